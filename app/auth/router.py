"""Sign-up, OAuth2 tokens and the caller: `/v1/auth/*` and `/v1/me`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from app.auth import service
from app.auth.dependencies import CurrentUser, caller_cache, user_id_of
from app.auth.schemas import (
    Me,
    PasswordChange,
    RevokeRequest,
    Signup,
    SignupRequest,
    TokenRequest,
    TokenResponse,
    TokenRevocation,
)
from app.core.db import Database
from app.core.dependencies import SnapshotDb, WriteDb, database
from app.core.errors import BadRequest
from app.core.openapi import with_headers
from app.core.responses import json_response, no_content
from app.core.routes import Operations
from app.core.routing import CheckedRoute

router = APIRouter(route_class=CheckedRoute, prefix="/v1")
auth = Operations(router, "auth", tags=["auth"])
me = Operations(router, "me", tags=["me"])


async def _database(request: Request) -> Database:
    # A coroutine, as the lean handler (app.core.handlers) runs only those.
    return database(request)


# The database itself, for a route whose service opens its own transaction.
Databases = Annotated[Database, Depends(_database)]
_NO_STORE = {"Cache-Control": "no-store"}


def _tokens(request: Request) -> service.TokenPolicy:
    return request.app.state.token_policy  # type: ignore[no-any-return]


def _sessions_ended(request: Request) -> service.SessionsEnded:
    """Once a change that ended some of a user's sessions commits, this process stops trusting
    their access tokens at once (other processes within RAPPORT_AUTH_CACHE_SECONDS)."""
    return caller_cache(request).forget_sessions


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@auth.route(
    "POST",
    "/auth/signup",
    # No credential to keep an Idempotency-Key for (docs/api.md, "Idempotency").
    idempotent=False,
    status_code=201,
    response_model=Signup,
    summary="Create an account and its personal workspace",
    description="Creates the user (email unique ignoring case, password of at least 12 "
    "characters, stored as Argon2id), their personal workspace (named `workspace_name`, else "
    "after them) with them as `owner`, and a first token pair; answers 201 with all three. A "
    "registered email is 409 `email_taken`; too many sign-ups from one client address (10 an hour "
    "by default) is 429 `rate_limited` with `Retry-After`.",
    responses={
        201: with_headers("Location"),
        409: {"description": "The email is already registered (`email_taken`)."},
        429: {"description": "Too many sign-ups from the client address (`rate_limited`)."},
    },
)
async def signup(request: Request, body: SignupRequest, database: Databases) -> Response:
    user, workspace, token = await service.client_signup(
        database,
        passwords=request.app.state.passwords,
        tokens=_tokens(request),
        policy=request.app.state.throttle_policy,
        client_address=_client_address(request),
        email=str(body.email),
        password=body.password,
        name=body.name,
        workspace_name=body.workspace_name,
    )
    signup = Signup(user=user, workspace=workspace, token=token)
    return json_response(signup, 201, {"Location": "/v1/me", **_NO_STORE})


def _oauth_error(code: str, detail: str) -> BadRequest:
    # Problem details plus RFC 6749 §5.2's `error`, so OAuth2 client libraries understand it.
    return BadRequest(detail, code=code, error=code, error_description=detail)


@auth.route(
    "POST",
    "/auth/token",
    # No credential to keep an Idempotency-Key for (docs/api.md, "Idempotency").
    idempotent=False,
    response_model=TokenResponse,
    summary="Get tokens: OAuth2 password or refresh_token grant",
    description="Form-encoded, so `/docs` → Authorize works. `grant_type=password` takes "
    "`username` (the email) and `password`; `grant_type=refresh_token` takes `refresh_token`, "
    "which is single use: each refresh answers a new one, and a used one presented again after "
    "the grace window revokes its whole session. Answers with `Cache-Control: no-store`; repeated "
    "failed logins for an account or from an address are 429 `rate_limited`.",
    responses={
        400: {
            "description": "`invalid_grant` (wrong credentials, or a used or revoked refresh "
            "token), `invalid_request` (a parameter the grant needs is missing) or "
            "`unsupported_grant_type` (a `grant_type` other than `password` and "
            "`refresh_token`)."
        },
        429: {
            "description": "Too many failed logins for the account from this address, for the "
            "account from all addresses, or from this address (`rate_limited`)."
        },
    },
)
async def token(request: Request, form: Annotated[TokenRequest, Form()], db: WriteDb) -> Response:
    if form.grant_type == "password":
        if not form.username or form.password is None:
            raise _oauth_error(
                "invalid_request", "The password grant needs `username` and `password`."
            )
        result = await service.password_grant(
            db,
            passwords=request.app.state.passwords,
            tokens=_tokens(request),
            policy=request.app.state.throttle_policy,
            email=form.username,
            password=form.password,
            client_address=_client_address(request),
        )
    elif form.grant_type == "refresh_token":
        if not form.refresh_token:
            raise _oauth_error("invalid_request", "The refresh_token grant needs `refresh_token`.")
        result = await service.refresh_grant(
            db,
            tokens=_tokens(request),
            refresh_token=form.refresh_token,
            ended=_sessions_ended(request),
        )
    else:
        raise _oauth_error(
            "unsupported_grant_type", "`grant_type` must be `password` or `refresh_token`."
        )
    return json_response(result, headers=_NO_STORE)


@auth.route(
    "POST",
    "/auth/revoke",
    # No credential to keep an Idempotency-Key for (docs/api.md, "Idempotency").
    idempotent=False,
    response_model=TokenRevocation,
    summary="Revoke a refresh token and the session it belongs to (RFC 7009)",
    description="Form-encoded (`token=rt_…`). Ends the session the refresh token belongs to (its "
    "whole token family), so the session's access tokens are refused too. Answers 200 with "
    "`revoked: true` whether or not the token was known, as RFC 7009 asks.",
)
async def revoke(
    request: Request, form: Annotated[RevokeRequest, Form()], db: WriteDb
) -> TokenRevocation:
    await service.revoke(db, token=form.token, ended=_sessions_ended(request))
    return TokenRevocation(revoked=True)


@me.route(
    "GET",
    "/me",
    response_model=Me,
    summary="The calling user, with their first 20 workspaces and roles",
    description="Answers the user and the first 20 of their memberships (workspace id, name and "
    "role, in joining order) with `memberships_has_more`; `me_memberships_list` pages through all "
    "of them. For users only: an API key gets 403 `user_token_required`. It sends no `ETag`.",
)
async def get(caller: CurrentUser, db: SnapshotDb) -> Response:
    return json_response(await service.me(db, user_id=user_id_of(caller)))


@me.route(
    "POST",
    "/me/password",
    status_code=204,
    summary="Change the password; every other session is signed out",
    description="Takes `current_password` and `new_password` (at least 12 characters) and answers "
    "204. Every other session of the user ends; the one that made the change goes on. A wrong "
    "`current_password` is 403 `incorrect_password` and counts as a failed login, so the login "
    "limits (429 `rate_limited`) apply.",
    responses={
        403: {"description": "`current_password` is not the account's (`incorrect_password`)."},
        429: {"description": "Too many wrong passwords for the account (`rate_limited`)."},
    },
)
async def change_password(
    request: Request, body: PasswordChange, caller: CurrentUser, db: WriteDb
) -> Response:
    await service.change_password(
        db,
        passwords=request.app.state.passwords,
        policy=request.app.state.throttle_policy,
        user_id=user_id_of(caller),
        session_id=caller.session_id,
        current_password=body.current_password,
        new_password=body.new_password,
        client_address=_client_address(request),
        ended=_sessions_ended(request),
    )
    return no_content()


@me.route(
    "POST",
    "/me/sign-out-everywhere",
    status_code=204,
    summary="End every session of the user, this one included",
    description="Revokes every refresh token of the user and answers 204 with no body; the access "
    "tokens of those sessions, the caller's included, are refused from then on. Get new tokens "
    "with `auth_token`.",
)
async def sign_out_everywhere(request: Request, caller: CurrentUser, db: WriteDb) -> Response:
    await service.end_sessions(
        db, user_id=user_id_of(caller), keep_session_id=None, ended=_sessions_ended(request)
    )
    return no_content()
