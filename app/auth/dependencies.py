"""The dependencies routes declare to know who calls and what they may do in a workspace."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPBearer, OAuth2PasswordBearer

from app.auth.caller import Caller, WorkspaceAccess, resolve_caller, workspace_access
from app.core.dependencies import database
from app.core.errors import Forbidden

# Declared for the OpenAPI document and the /docs "Authorize" button; the header itself is
# read once, in get_caller.
_user_token = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token",
    auto_error=False,
    scheme_name="UserToken",
    description="A user's access token from `POST /v1/auth/token`.",
)
_api_key = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="A workspace API key, `Authorization: Bearer rk_live_…`.",
)


async def get_caller(
    request: Request,
    _token: Annotated[str | None, Depends(_user_token)],
    _key: Annotated[object, Depends(_api_key)],
) -> Caller:
    return await resolve_caller(
        database(request).reader(),
        request.headers.get("authorization"),
        request.app.state.signing_key,
    )


CurrentCaller = Annotated[Caller, Depends(get_caller)]


async def get_user(caller: CurrentCaller) -> Caller:
    if not caller.is_user:
        raise Forbidden(
            "This endpoint is for users; API keys cannot use it.", code="user_token_required"
        )
    return caller


CurrentUser = Annotated[Caller, Depends(get_user)]

WorkspaceIdPath = Annotated[
    str,
    Path(
        description="The workspace's id (`wsp_…`).",
        examples=["wsp_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]


async def get_workspace_access(
    request: Request, workspace_id: WorkspaceIdPath, caller: CurrentCaller
) -> WorkspaceAccess:
    access = await workspace_access(database(request).reader(), caller, workspace_id)
    request.scope["state"]["workspace_id"] = workspace_id
    return access


# Declare this before a WriteDb parameter: the caller is resolved before a transaction opens.
WorkspaceScope = Annotated[WorkspaceAccess, Depends(get_workspace_access)]
