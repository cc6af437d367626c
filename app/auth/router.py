"""Sign-up, OAuth2 tokens and the caller: `/v1/auth/*` and `/v1/me`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.auth import service
from app.auth.dependencies import CurrentUser
from app.auth.schemas import (
    Me,
    RevokeRequest,
    Signup,
    SignupRequest,
    TokenRequest,
    TokenResponse,
    TokenRevocation,
)
from app.core.dependencies import ReadDb, WriteDb
from app.core.errors import BadRequest
from app.core.responses import json_response
from app.core.routing import CheckedRoute

router = APIRouter(route_class=CheckedRoute, prefix="/v1")
_NO_STORE = {"Cache-Control": "no-store"}


def _tokens(request: Request) -> service.TokenPolicy:
    return request.app.state.token_policy  # type: ignore[no-any-return]


@router.post(
    "/auth/signup",
    tags=["auth"],
    operation_id="auth_signup",
    status_code=201,
    response_model=Signup,
    summary="Create an account and its personal workspace",
    responses={409: {"description": "The email is already registered (`email_taken`)."}},
)
async def signup(request: Request, body: SignupRequest, db: WriteDb) -> Response:
    user, workspace, token = await service.signup(
        db,
        request.app.state.passwords,
        _tokens(request),
        email=str(body.email),
        password=body.password,
        name=body.name,
        workspace_name=body.workspace_name,
    )
    signup = Signup(user=user, workspace=workspace, token=token)
    return json_response(signup, 201, {"Location": "/v1/me", **_NO_STORE})


def _invalid_request(detail: str) -> BadRequest:
    return BadRequest(
        detail, code="invalid_request", error="invalid_request", error_description=detail
    )


@router.post(
    "/auth/token",
    tags=["auth"],
    operation_id="auth_token",
    response_model=TokenResponse,
    summary="Get tokens: OAuth2 password or refresh_token grant",
    responses={
        400: {
            "description": "`invalid_grant` (wrong credentials, or a used or revoked refresh "
            "token) or `invalid_request`."
        },
        429: {"description": "Too many failed logins for the account or address."},
    },
)
async def token(request: Request, form: Annotated[TokenRequest, Form()], db: WriteDb) -> Response:
    if form.grant_type == "password":
        if not form.username or form.password is None:
            raise _invalid_request("The password grant needs `username` and `password`.")
        client = request.client.host if request.client else "unknown"
        result = await service.password_grant(
            db,
            request.app.state.passwords,
            _tokens(request),
            request.app.state.throttle_policy,
            email=form.username,
            password=form.password,
            client_address=client,
        )
    else:
        if not form.refresh_token:
            raise _invalid_request("The refresh_token grant needs `refresh_token`.")
        result = await service.refresh_grant(db, _tokens(request), refresh_token=form.refresh_token)
    return json_response(result, headers=_NO_STORE)


@router.post(
    "/auth/revoke",
    tags=["auth"],
    operation_id="auth_revoke",
    response_model=TokenRevocation,
    summary="Revoke a refresh token and the session it belongs to (RFC 7009)",
)
async def revoke(form: Annotated[RevokeRequest, Form()], db: WriteDb) -> TokenRevocation:
    await service.revoke(db, token=form.token)
    return TokenRevocation(revoked=True)


@router.get(
    "/me",
    tags=["me"],
    operation_id="me_get",
    response_model=Me,
    summary="The calling user, with their first 20 workspaces and roles",
)
async def me(caller: CurrentUser, db: ReadDb) -> Response:
    assert caller.user_id is not None
    return json_response(await service.me(db, caller.user_id))
