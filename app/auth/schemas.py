"""Request and response bodies for sign-up, tokens and the caller."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.auth.scopes import Role
from app.core.schemas import InputModel, Resource, StrictInput
from app.core.urls import EmailAddress
from app.workspaces.schemas import Workspace

Password = Field(min_length=12, max_length=1024, description="At least 12 characters.")


class SignupRequest(InputModel):
    email: EmailAddress = Field(max_length=320, examples=["ada@example.com"])
    password: str = Password
    name: str = Field(min_length=1, max_length=200, examples=["Ada Lovelace"])
    workspace_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name of the personal workspace; defaults to the user's name.",
    )


class PasswordChange(InputModel):
    """A new password, proven by the current one."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Password


class User(Resource):
    object: Literal["user"] = "user"
    email: str
    name: str


# The grants `POST /v1/auth/token` serves (docs/api.md), an enum in the document.
GRANT_TYPES = ("password", "refresh_token")


class TokenRequest(StrictInput):
    """OAuth2 token request (form-encoded): `password` or `refresh_token` grant."""

    # Any string to the validator, so that another grant is answered as RFC 6749 §5.2 says
    # (400 `unsupported_grant_type`) rather than as a validation error; the document lists the
    # grants served.
    grant_type: str = Field(
        max_length=100,
        description="`password` or `refresh_token`; another is 400 `unsupported_grant_type`.",
        examples=list(GRANT_TYPES),
        json_schema_extra={"enum": list(GRANT_TYPES)},
    )
    username: str | None = Field(
        default=None, max_length=320, description="Email (password grant)."
    )
    password: str | None = Field(default=None, max_length=1024)
    refresh_token: str | None = Field(default=None, max_length=200)
    scope: str | None = Field(default=None, max_length=200, description="Ignored.")
    client_id: str | None = Field(default=None, max_length=200, description="Ignored.")
    client_secret: str | None = Field(default=None, max_length=200, description="Ignored.")


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 token response."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(description="Opaque; single use: each refresh returns a new one.")
    refresh_token_expires_in: int


class RevokeRequest(StrictInput):
    """RFC 7009 revocation request (form-encoded)."""

    token: str = Field(min_length=1, max_length=200)
    token_type_hint: Literal["refresh_token"] | None = None


class TokenRevocation(BaseModel):
    object: Literal["token_revocation"] = "token_revocation"
    revoked: bool = Field(
        description="Always true: an unknown token is answered the same way (RFC 7009)."
    )


class Signup(BaseModel):
    object: Literal["signup"] = "signup"
    user: User
    workspace: Workspace
    token: TokenResponse


class MeMembership(BaseModel):
    workspace_id: str
    workspace_name: str
    role: Role


# `/v1/me` shows this many memberships; `GET /v1/me/memberships` pages through all of them.
ME_MEMBERSHIPS_SHOWN = 20


class Me(User):
    memberships: list[MeMembership] = Field(
        description=f"The first {ME_MEMBERSHIPS_SHOWN} workspaces the user belongs to, in the "
        "order they joined; `GET /v1/me/memberships` lists them all.",
        max_length=ME_MEMBERSHIPS_SHOWN,
    )
    memberships_has_more: bool = Field(
        description="True when the user belongs to more workspaces than `memberships` shows."
    )
