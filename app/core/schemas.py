"""Base models every resource schema builds on: strict inputs, uniform outputs, list envelope."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic_core import PydanticCustomError

# Every timestamp a client sends lies in [EARLIEST, LATEST): wide enough for any record of a job
# search, and far enough inside Python's years 1-9999 that the practice's arithmetic on it
# (thank-you hours, stay-in-touch days, weeks of stats) and any zone's local time never leave
# that range.
EARLIEST_TIMESTAMP = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(2200, 1, 1, tzinfo=UTC)
TIMESTAMP_RANGE = "from 1900-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z"

# What Pydantic would read as seconds since 1970: a number, in JSON or as text.
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def in_timestamp_range(value: datetime) -> datetime | None:
    """An aware `value` in UTC when it lies in the accepted range, else None."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00 is past year 9999 in UTC
        return None
    return utc if EARLIEST_TIMESTAMP <= utc < LATEST_TIMESTAMP else None


def _timestamp_text(value: Any) -> Any:
    # Pydantic takes numbers (and numeric text) as Unix times; an RFC 3339 string is the contract.
    if isinstance(value, datetime) or (isinstance(value, str) and not _NUMBER.fullmatch(value)):
        return value
    raise PydanticCustomError(
        "timestamp_type", "A timestamp is an RFC 3339 string with an offset, not a number."
    )


def _to_utc(value: datetime) -> datetime:
    utc = in_timestamp_range(value)
    if utc is None:
        raise PydanticCustomError(
            "timestamp_out_of_range", f"Timestamps are accepted {TIMESTAMP_RANGE}."
        )
    return utc


@cache
def _known_zones() -> frozenset[str]:
    # The system's zone list also holds files that are not zones (`localtime`, `Factory`, …).
    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules", "posix"}


def _timezone(value: str) -> str:
    try:
        known = value in _known_zones() and ZoneInfo(value) is not None
    except (ValueError, KeyError, OSError):
        known = False
    if not known:
        raise PydanticCustomError(
            "invalid_timezone", "Not an IANA time zone name (e.g. `Europe/London`)."
        )
    return value


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["Europe/London"]),
    AfterValidator(_timezone),
]

# Every timestamp input, in bodies and query strings: an RFC 3339 string with an offset (naive
# times are ambiguous and rejected) in the accepted range, stored in UTC.
UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), AfterValidator(_to_utc)]


def _reject_nul(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text may not contain the NUL character (U+0000)")
    elif isinstance(value, list | tuple | set):
        for item in value:
            _reject_nul(item)
    return value


class StrictInput(BaseModel):
    """Input of any kind (JSON or form): unknown fields are an error, so typos and mass assignment
    never pass, and no text may hold U+0000 (PostgreSQL cannot store it)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


class InputModel(StrictInput):
    """A JSON request body."""


class PatchModel(InputModel):
    """A JSON Merge Patch body (RFC 7396): absent fields stay, `null` clears a nullable field."""

    def changes(self) -> dict[str, Any]:
        """The fields the client sent. A nested object keeps only the members sent (it is merged,
        RFC 7396); a list replaces the stored one whole, so its items are dumped with their
        defaults (an email's `label`), never stored incomplete."""
        data = self.model_dump(exclude_unset=True)
        lists = {name for name, value in data.items() if isinstance(value, list)}
        if lists:
            data.update(self.model_dump(include=lists))
        return data


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Filters(BaseModel):
    """A list's filters, declared once: the service takes them, and the route's query model
    (`app.core.routes_query.PageQuery`) has these fields with their limits and descriptions.
    None means "any"."""

    model_config = ConfigDict(frozen=True)


def id_filter(description: str) -> Any:
    """`person_id: str | None = id_filter("Only about this person (`per_…`).")`: a filter on
    an id, at most 64 characters as every id."""
    return Field(None, max_length=64, description=description)


def omittable(**constraints: Any) -> Any:
    """A merge-patch field that may be left out but, when sent, must not be null."""
    return Field(default=None, json_schema_extra=_drop_default, **constraints)


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_nullable", "This field cannot be null.")
    return value


def not_null(*fields: str) -> Any:
    """A validator refusing `null` for the model's `fields` with its own error
    (`not_nullable`), before their type sees it: `_not_null = not_null("name", "body")`."""
    return field_validator(*fields, mode="before")(_refuse_null)


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
