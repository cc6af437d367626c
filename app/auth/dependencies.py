"""The dependencies routes declare to know who calls and what they may do in a workspace."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPBearer, OAuth2PasswordBearer, SecurityScopes

from app.auth.caller import (
    Caller,
    CallerCache,
    WorkspaceAccess,
    resolve_caller,
    workspace_access,
)
from app.core.dependencies import database
from app.core.errors import Forbidden

# A pseudo-scope: the route is for people, not integrations (API keys are refused).
USER_ONLY = "user"

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
        caller_cache(request),
    )


CurrentCaller = Annotated[Caller, Depends(get_caller)]


def caller_cache(request: Request) -> CallerCache:
    cache = request.app.state.caller_cache
    assert isinstance(cache, CallerCache)
    return cache


async def get_scoped_caller(caller: CurrentCaller, required: SecurityScopes) -> Caller:
    """For routes outside a workspace: an API key must hold the route's scopes (users' roles are
    per workspace, so a user's list shows only what each membership allows)."""
    if not caller.is_user:
        for scope in required.scopes:
            if scope not in caller.key_scopes:
                raise Forbidden(
                    f"This API key lacks the `{scope}` scope.",
                    code="insufficient_scope",
                    scope=scope,
                )
    return caller


def caller_scope(*scopes: str) -> Any:
    """`Annotated[Caller, caller_scope("workspaces:read")]`, documented in the OpenAPI document."""
    return Security(get_scoped_caller, scopes=list(scopes))


async def get_user(caller: Annotated[Caller, Security(get_caller, scopes=[USER_ONLY])]) -> Caller:
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
    request: Request,
    workspace_id: WorkspaceIdPath,
    caller: CurrentCaller,
    required: SecurityScopes,
) -> WorkspaceAccess:
    """Resolve the workspace (404 when not the caller's) and enforce the route's scope (403).

    Runs before the body is validated: a caller who may not act learns nothing from a 422.
    """
    access = await workspace_access(
        database(request).reader(), caller, workspace_id, caller_cache(request)
    )
    request.scope["state"]["workspace_id"] = workspace_id
    for scope in required.scopes:
        if scope == USER_ONLY:
            access.require_user()
        else:
            access.require(scope)
    return access


def workspace_scope(*scopes: str) -> Any:
    """`Annotated[WorkspaceAccess, workspace_scope("people:write")]`: the caller may do this here.

    The scopes also appear in the OpenAPI document's security requirements."""
    return Security(get_workspace_access, scopes=list(scopes))
