"""`/v1/workspaces/{workspace_id}/api-keys`: owners manage integration credentials."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Request
from starlette.responses import Response

from app.api_keys import service
from app.api_keys.schemas import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList
from app.auth.caller import WorkspaceAccess, confirm_access
from app.auth.dependencies import USER_ONLY, caller_cache, workspace_scope
from app.core import routes
from app.core.dependencies import WriteDb
from app.core.responses import item_response, json_response

router = routes.workspace_router("/api-keys", tag="api-keys")
KeyId = Annotated[str, routes.id_path("API key's", "key", example=False)]


# Keys are credentials: only people, and only owners, issue or see them.
OwnerUser = Annotated[WorkspaceAccess, workspace_scope(USER_ONLY, "workspaces:write")]
keys = routes.ItemRoutes(
    router, "api_keys", "/{key_id}", [KeyId], model=ApiKey, reader=OwnerUser, writer=OwnerUser
)


keys.list_page("List the workspace's API keys (owners)", ApiKeyList, service.list_keys)


@router.post(
    "",
    operation_id="api_keys_create",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key; its secret is returned once",
)
async def create_key(body: ApiKeyCreate, access: OwnerUser, db: WriteDb) -> Response:
    await confirm_access(db, access, "workspaces:write")
    created = await service.create_key(
        db,
        workspace_id=access.workspace_id,
        created_by=access.caller.user_id,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    location = f"/v1/workspaces/{access.workspace_id}/api-keys/{created.id}"
    return json_response(created, 201, {"Location": location, "Cache-Control": "no-store"})


keys.get("Get an API key (never its secret)", service.get_key)


@router.post(
    "/{key_id}/revoke",
    operation_id="api_keys_revoke",
    response_model=ApiKey,
    summary="Revoke an API key at once",
)
async def revoke_key(request: Request, access: OwnerUser, key_id: KeyId, db: WriteDb) -> Response:
    await confirm_access(db, access, "workspaces:write")
    key = await service.revoke_key(db, workspace_id=access.workspace_id, key_id=key_id)
    # This process stops trusting the key the moment the revocation is committed.
    db.after_commit(partial(caller_cache(request).forget_key, key.id))
    return item_response(request, key)
