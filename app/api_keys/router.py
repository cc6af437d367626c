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
from app.core.openapi import with_headers
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


keys.list_page(
    "List the workspace's API keys (owners)",
    ApiKeyList,
    service.list_keys,
    description="Every key of the workspace, revoked and expired ones included, in creation "
    "order, paginated (`limit`, `cursor`). Each shows its `prefix`, `last_four`, scopes, creator "
    "and `last_used_at`, never the secret. Owners with a user token only: API keys get 403 "
    "`user_token_required`.",
)


@keys.route(
    "POST",
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key; its secret is returned once",
    description="Takes `{name, scopes, expires_at?}` and answers 201 with the key and its "
    "`secret` (`rk_live_…`), sent with `Cache-Control: no-store`: only its hash is stored, so it "
    "can never be shown again. Scopes are deduplicated and sorted; `members:write` is not a key "
    "scope, and an `expires_at` not in the future is 422 `in_the_past`. A key never does more "
    "than its creator's current role allows.",
    responses={201: with_headers("Location")},
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


keys.get(
    "Get an API key (never its secret)",
    service.get_key,
    description="The key's name, `prefix`, `last_four`, scopes, creator, `last_used_at` "
    "(refreshed at most once a minute), `expires_at` and `revoked_at`, with an `ETag`. Owners "
    "with a user token only; another workspace's key is 404.",
)
keys.action(
    "revoke",
    "Revoke an API key at once",
    service.revoke_key,
    if_match=False,
    before=_owner_now,
    after=_forget_key,
    description="Sets `revoked_at` and answers the key; from then on it is refused with 401 "
    "`invalid_token`, at once on this process and within seconds on the others. Revoking a "
    "revoked key changes nothing (idempotent). Owners with a user token only, checked against the "
    "role the database holds now.",
)
