"""The dependencies routes declare to know who calls and what they may do in a workspace.

Each is ONE FastAPI dependency (FastAPI's per-dependency cost is a measurable share of a request;
see issue 11): it reads the `Authorization` header itself, verifies the caller, resolves the
workspace and checks the route's scopes. The security requirements the OpenAPI document shows are
attached to the dependency (`SECURITY_ATTRIBUTE`) and written by `app.core.openapi`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from functools import cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer, OAuth2PasswordBearer
from starlette.routing import BaseRoute

from app.auth.caller import (
    Caller,
    CallerCache,
    WorkspaceAccess,
    resolve_caller,
    workspace_access,
)
from app.auth.families import RouteData, route_problems
from app.auth.scopes import MEMBERS_WRITE
from app.core.dependencies import database
from app.core.errors import Forbidden, Unauthenticated
from app.core.openapi import SECURITY_ATTRIBUTE
from app.core.query import query_names
from app.core.rate_limits import API_KEY as KEY_LIMIT
from app.core.rate_limits import RATE_LIMIT, count_address, enforce
from app.core.rate_limits import USER as USER_LIMIT

# A pseudo-scope: the route is for people, not integrations (API keys are refused).
USER_ONLY = "user"
USER_TOKEN, API_KEY = "UserToken", "ApiKey"
PRIVILEGED = frozenset({USER_ONLY, MEMBERS_WRITE, "workspaces:write"})
ROUTE_DATA_ATTRIBUTE = "rapport_route_data"

# Only their OpenAPI models are used: the /docs "Authorize" button and the security schemes.
_user_token = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token",
    auto_error=False,
    scheme_name=USER_TOKEN,
    description="A user's access token from `POST /v1/auth/token`.",
)
_api_key = HTTPBearer(
    auto_error=False,
    scheme_name=API_KEY,
    description="A workspace API key, `Authorization: Bearer rk_live_…`.",
)
SECURITY_SCHEMES: dict[str, Any] = {
    scheme.scheme_name: jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
    for scheme in (_user_token, _api_key)
}


def _requirements(scopes: tuple[str, ...]) -> list[dict[str, list[str]]]:
    if USER_ONLY in scopes:
        return [{USER_TOKEN: [s for s in scopes if s != USER_ONLY]}]
    return [{USER_TOKEN: list(scopes)}, {API_KEY: list(scopes)}]


F = TypeVar("F", bound=Callable[..., Any])


def _declared(
    dependency: F, scopes: tuple[str, ...], embeds: tuple[tuple[str, str], ...] = ()
) -> F:
    setattr(dependency, SECURITY_ATTRIBUTE, _requirements(scopes))
    setattr(dependency, ROUTE_DATA_ATTRIBUTE, RouteData(scopes, dict(embeds)))
    return dependency


def route_data(route: APIRoute) -> RouteData | None:
    """What the route's access dependency declares (None for a route that has none)."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        declared = getattr(dependency.call, ROUTE_DATA_ATTRIBUTE, None)
        if isinstance(declared, RouteData):
            return declared
        pending.extend(dependency.dependencies)
    return None


def check_routes(routes: Iterable[BaseRoute]) -> None:
    """Refuse to start when a route could show data of a family its scopes do not cover
    (app.auth.families). Routes for users only are exempt: roles read every family."""
    problems = []
    for route in routes:
        if not isinstance(route, APIRoute) or route.response_model is None:
            continue
        declared = route_data(route)
        if declared is None or USER_ONLY in declared.scopes:
            continue
        if not declared.scopes and "{workspace_id}" not in route.path:
            continue  # any verified caller, and data of no workspace (the built-in bank)
        problems += route_problems(
            route.operation_id or route.path,
            route.response_model,
            declared,
            query_names(route.dependant),
        )
    if problems:
        raise RuntimeError("Routes that could leak data:\n" + "\n".join(problems))


def caller_cache(request: Request) -> CallerCache:
    cache_ = request.app.state.caller_cache
    if not isinstance(cache_, CallerCache):
        raise RuntimeError("The app's caller cache is not set: its lifespan has not started.")
    return cache_


async def _caller(request: Request, *, fresh: bool) -> Caller:
    state = request.scope["state"]
    try:
        caller = await resolve_caller(
            database(request).reader(),
            authorization=request.headers.get("authorization"),
            signing_key=request.app.state.signing_key,
            cache=caller_cache(request),
            fresh=fresh,
        )
    except Unauthenticated:
        # A refused credential counts against the client address (once: a request without
        # one was counted there before it ran), so guessing tokens meets a 429 too.
        verdict = state.get(RATE_LIMIT)
        if RATE_LIMIT not in state:
            verdict = await count_address(request.app.state.rate_limits, request.scope)
        enforce(verdict)
        raise
    # Whose idempotency keys a POST uses (app/idempotency): the user or the API key.
    credential = state["credential_id"] = caller.api_key_id or caller.user_id
    # The credential's rate limit, counted once per request (the middleware sends its headers).
    if RATE_LIMIT not in state and credential is not None:
        kind = KEY_LIMIT if caller.api_key_id else USER_LIMIT
        verdict = state[RATE_LIMIT] = await request.app.state.rate_limits.hit(kind, credential)
        enforce(verdict)
    return caller


def _privileged(scopes: tuple[str, ...]) -> bool:
    """Administering a workspace (settings, members, keys) is never decided on a remembered
    role or key: another process may have just demoted or revoked it."""
    return any(scope in PRIVILEGED for scope in scopes)


def _require_key_scopes(caller: Caller, scopes: tuple[str, ...]) -> None:
    if caller.is_user:
        return
    for scope in scopes:
        if scope not in caller.key_scopes:
            raise Forbidden(
                f"This API key lacks the `{scope}` scope.",
                code="insufficient_scope",
                scope=scope,
            )


@cache
def _caller_dependency(scopes: tuple[str, ...]) -> Callable[[Request], Coroutine[Any, Any, Caller]]:
    fresh = _privileged(scopes)

    async def scoped_caller(request: Request) -> Caller:
        caller = await _caller(request, fresh=fresh)
        if USER_ONLY in scopes and not caller.is_user:
            raise _users_only()
        _require_key_scopes(caller, scopes)
        return caller

    return _declared(scoped_caller, scopes)


def _users_only() -> Forbidden:
    return Forbidden(
        "This endpoint is for users; API keys cannot use it.", code="user_token_required"
    )


def user_id_of(caller: Caller) -> str:
    """The calling user's id, for routes taking `CurrentUser` (which refuses API keys already:
    this keeps the refusal should a route be given another caller dependency)."""
    if caller.user_id is None:
        raise _users_only()
    return caller.user_id


# Any verified caller, user or API key.
CurrentCaller = Annotated[Caller, Depends(_caller_dependency(()))]
# A user (API keys are refused).
CurrentUser = Annotated[Caller, Depends(_caller_dependency((USER_ONLY,)))]


def caller_scope(*scopes: str) -> Any:
    """`Annotated[Caller, caller_scope("workspaces:read")]`: for routes outside a workspace, an
    API key must hold the scopes (a user's roles are per workspace, so what a user sees there
    is filtered by each membership)."""
    return Depends(_caller_dependency(scopes))


WorkspaceIdPath = Annotated[
    str,
    Path(
        description="The workspace's id (`wsp_…`).",
        examples=["wsp_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]


@cache
def _workspace_dependency(
    scopes: tuple[str, ...], embeds: tuple[tuple[str, str], ...]
) -> Callable[[Request, str], Coroutine[Any, Any, WorkspaceAccess]]:
    fresh = _privileged(scopes)

    async def access_to_workspace(
        request: Request, workspace_id: WorkspaceIdPath
    ) -> WorkspaceAccess:
        """Resolve the workspace (404 when not the caller's) and enforce the route's scopes
        (403), and those of the embeds `?expand=` asks for. Runs before the body is validated:
        a caller who may not act learns nothing from a 422."""
        caller = await _caller(request, fresh=fresh)
        access = await workspace_access(
            database(request).reader(),
            caller=caller,
            workspace_id=workspace_id,
            cache=caller_cache(request),
            fresh=fresh,
        )
        request.scope["state"]["workspace_id"] = workspace_id
        for scope in scopes:
            if scope == USER_ONLY:
                access.require_user()
            else:
                access.require(scope)
        if embeds:
            asked = _expanded(request)
            for name, scope in embeds:
                if name in asked:
                    access.require(scope)
        return access

    return _declared(access_to_workspace, scopes, embeds)


def _expanded(request: Request) -> set[str]:
    # Every `expand` value, as the route's own parsing splits it (a superset if repeated).
    return {
        part.strip()
        for value in request.query_params.getlist("expand")
        for part in value.split(",")
    }


def workspace_scope(*scopes: str, embeds: Mapping[str, str] | None = None) -> Any:
    """`Annotated[WorkspaceAccess, workspace_scope("people:write")]`: the caller may do this here.

    `embeds` names the scope each `?expand=` value needs (`{"person": "people:read"}`). The
    scopes also appear in the OpenAPI document's security requirements; `check_routes` makes
    sure they cover every family the route's response can show."""
    return Depends(_workspace_dependency(scopes, tuple(sorted((embeds or {}).items()))))
