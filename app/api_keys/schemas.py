"""API keys as clients see them: the secret appears once, in the create response."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from app.auth.scopes import Scope
from app.core.schemas import InputModel, ListPage, Resource, UtcDatetime


class ApiKey(Resource):
    object: Literal["api_key"] = "api_key"
    workspace_id: str
    name: str
    prefix: str = Field(description="The secret's first characters, to recognise it.")
    last_four: str = Field(description="The secret's last four characters.")
    scopes: list[Scope]
    created_by: str | None
    last_used_at: datetime | None = Field(description="Updated at most once a minute.")
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKey):
    secret: str = Field(description="The key itself. Shown only in this response: store it now.")


class ApiKeyCreate(InputModel):
    name: str = Field(min_length=1, max_length=200, examples=["University career portal"])
    scopes: list[Scope] = Field(min_length=1, max_length=64, examples=[["people:read"]])
    expires_at: UtcDatetime | None = Field(
        default=None, description="Optional; must be in the future."
    )

    @field_validator("scopes")
    @classmethod
    def _unique(cls, value: list[Scope]) -> list[Scope]:
        return sorted(set(value), key=lambda s: s.value)


class ApiKeyList(ListPage[ApiKey]):
    pass
