"""`/v1/workspaces/{workspace_id}/api-keys`: owners manage integration credentials."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from starlette.responses import Response

from app.api_keys import service
from app.api_keys.schemas import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList
from app.auth.caller import WorkspaceAccess, confirm_access
from app.auth.dependencies import USER_ONLY, caller_cache, workspace_scope
from app.core import routes
from app.core.dependencies import WriteDb
from app.core.responses import json_response

router = routes.workspace_router("/api-keys", tag="api-keys")
KeyId = Annotated[str, routes.id_path("API key's", "key", example=False)]


# Keys are credentials: only people, and only owners, issue or see them.
OwnerUser = Annotated[WorkspaceAccess, workspace_scope(USER_ONLY, "workspaces:write")]
keys = routes.ItemRoutes(
    router, "api_keys", "/{key_id}", [KeyId], model=ApiKey, reader=OwnerUser, writer=OwnerUser
)


async def _owner_now(call: routes.Call) -> None:
    """Keys are issued and revoked on the caller's role as the transaction sees it."""
    await confirm_access(call.db, access=call.access, scope="workspaces:write")


def _forget_key(call: routes.Call, key: ApiKey) -> None:
    # This process stops trusting the key the moment the revocation is committed.
    call.db.after_commit(partial(caller_cache(call.request).forget_key, key.id))


keys.list_page("List the workspace's API keys (owners)", ApiKeyList, service.list_keys)


@keys.route(
    "POST",
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key; its secret is returned once",
)
async def create(body: ApiKeyCreate, access: OwnerUser, db: WriteDb) -> Response:
    await confirm_access(db, access=access, scope="workspaces:write")
    created = await service.create_key(
        db,
        workspace_id=access.workspace_id,
        created_by=access.caller.user_id,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    # The secret is in the answer: no cache may keep it.
    headers = {"Location": keys.location_of(created), "Cache-Control": "no-store"}
    return json_response(created, 201, headers)


keys.get("Get an API key (never its secret)", service.get_key)
keys.action(
    "revoke",
    "Revoke an API key at once",
    service.revoke_key,
    if_match=False,
    before=_owner_now,
    after=_forget_key,
)
