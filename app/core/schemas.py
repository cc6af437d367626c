"""Base models every resource schema builds on: strict inputs, uniform outputs, list envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# Inputs must carry an offset (naive times are ambiguous and rejected); they are stored in UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class InputModel(BaseModel):
    """A request body: unknown fields are an error, so typos and mass assignment never pass."""

    model_config = ConfigDict(extra="forbid")


class PatchModel(InputModel):
    """A JSON Merge Patch body (RFC 7396): absent fields stay, `null` clears a nullable field."""

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A merge-patch field that may be left out but, when sent, must not be null."""
    return Field(default=None, json_schema_extra=_drop_default, **constraints)


class Resource(BaseModel):
    """Fields every object has."""

    id: str
    object: str
    created_at: datetime
    updated_at: datetime


T = TypeVar("T")


class ListPage(BaseModel, Generic[T]):
    """The list envelope; follow `next_cursor` (or the `Link` header) while `has_more`."""

    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
