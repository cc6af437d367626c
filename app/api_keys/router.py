"""`/v1/workspaces/{workspace_id}/api-keys`: owners manage integration credentials."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app.api_keys import service
from app.api_keys.schemas import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList
from app.auth.caller import WorkspaceAccess, confirm_access
from app.auth.dependencies import USER_ONLY, caller_cache, workspace_scope
from app.core.dependencies import ReadDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from app.core.responses import item_response, json_response, page_response
from app.core.routing import CheckedRoute

router = APIRouter(
    route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}/api-keys", tags=["api-keys"]
)
KeyId = Annotated[str, Path(description="The API key's id (`key_…`).")]


# Keys are credentials: only people, and only owners, issue or see them.
OwnerUser = Annotated[WorkspaceAccess, workspace_scope(USER_ONLY, "workspaces:write")]


@router.get(
    "",
    operation_id="api_keys_list",
    response_model=ApiKeyList,
    summary="List the workspace's API keys (owners)",
)
async def list_keys(
    request: Request,
    access: OwnerUser,
    db: ReadDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    data, page = await service.list_keys(db, access.workspace_id, cursor=cursor, limit=limit)
    return page_response(request, ApiKeyList, data, page)


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
        access.workspace_id,
        access.caller.user_id,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    location = f"/v1/workspaces/{access.workspace_id}/api-keys/{created.id}"
    return json_response(created, 201, {"Location": location, "Cache-Control": "no-store"})


@router.get(
    "/{key_id}",
    operation_id="api_keys_get",
    response_model=ApiKey,
    summary="Get an API key (never its secret)",
)
async def get_key(request: Request, access: OwnerUser, key_id: KeyId, db: ReadDb) -> Response:
    return item_response(request, await service.get_key(db, access.workspace_id, key_id))


@router.post(
    "/{key_id}/revoke",
    operation_id="api_keys_revoke",
    response_model=ApiKey,
    summary="Revoke an API key at once",
)
async def revoke_key(request: Request, access: OwnerUser, key_id: KeyId, db: WriteDb) -> Response:
    await confirm_access(db, access, "workspaces:write")
    key = await service.revoke_key(db, access.workspace_id, key_id)
    # This process stops trusting the key the moment the revocation is committed.
    db.after_commit(partial(caller_cache(request).forget_key, key.id))
    return item_response(request, key)
