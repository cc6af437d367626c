"""Base models every resource schema builds on: strict inputs, uniform outputs, list envelope."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError
from tzdata import IANA_VERSION

# Every timestamp a client sends is written with a year from 1900 to 2199 in its own offset
# (before conversion to UTC), a rule the document states as a pattern on the string: wide enough
# for any record of a job search, and far enough inside Python's years 1-9999 that the
# practice's arithmetic on it (thank-you hours, stay-in-touch days, weeks of stats) and any
# zone's local time never leave that range. An offset is less than a day, so in UTC a timestamp
# input lies in [EARLIEST, LATEST): 1899-12-31 and 2200-01-01 are stored too.
FIRST_YEAR, LAST_YEAR = 1900, 2199
EARLIEST_TIMESTAMP = datetime(FIRST_YEAR - 1, 12, 31, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(LAST_YEAR + 1, 1, 2, tzinfo=UTC)
TIMESTAMP_RANGE = (
    f"with a year from {FIRST_YEAR} to {LAST_YEAR} as written (in the timestamp's own offset, "
    "before conversion to UTC)"
)
# The same years, as the document says them (ECMA-262, from the start of the string, where
# RFC 3339 puts the four digits of the year).
TIMESTAMP_PATTERN = "^(19|2[01])[0-9]{2}-"

# What Pydantic would read as seconds since 1970: a number, in JSON or as text.
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def in_timestamp_range(value: datetime) -> datetime | None:
    """An aware `value` in UTC when it is an instant that a timestamp input can be
    ([EARLIEST_TIMESTAMP, LATEST_TIMESTAMP) in UTC, whatever its offset), else None: the check
    for a timestamp read back from the server's own writing, such as one inside a cursor."""
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
    # The year as written, then in UTC (never outside the range then, but never a 500 either).
    utc = in_timestamp_range(value) if FIRST_YEAR <= value.year <= LAST_YEAR else None
    if utc is None:
        raise PydanticCustomError(
            "timestamp_out_of_range", f"Timestamps are accepted {TIMESTAMP_RANGE}."
        )
    return utc


# Names a zone list may hold that are not zones anyone lives in.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "posix"})
TIME_ZONE_COMPONENT = "TimeZone"


@cache
def known_zones() -> tuple[str, ...]:
    """Every time zone name the API accepts, sorted: the zones the tzdata package lists (one
    IANA release, pinned in pyproject.toml), not the host's /usr/share/zoneinfo, so that the
    document's `TimeZone` enum and the server agree wherever it runs."""
    listed = (resources.files("tzdata") / "zones").read_text(encoding="utf-8").split()
    return tuple(sorted(set(listed) - _NOT_ZONES))


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(known_zones())


def _member_name(zone: str) -> str:
    """The name of the zone's member in a generated client's enum: its letters and digits, with
    the signs spelled out (`Etc/GMT+5` is ETC_GMT_PLUS_5, `Etc/GMT-5` ETC_GMT_MINUS_5), since
    generators that drop them would give two zones one name and refuse the document."""
    name = re.sub(r"-(?=[0-9])", "_MINUS_", zone.replace("+", "_PLUS_"))
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def time_zone_schema() -> dict[str, Any]:
    """The OpenAPI component `TimeZone`, which every `TimeZoneName` refers to."""
    return {
        "title": TIME_ZONE_COMPONENT,
        "type": "string",
        "enum": list(known_zones()),
        "x-enum-varnames": [_member_name(zone) for zone in known_zones()],
        "description": "An IANA time zone name: one of the zones of the IANA time zone "
        f"database release {IANA_VERSION}, as the tzdata package lists them. Any other name "
        "is 422 `invalid_timezone`.",
        "examples": ["Europe/London"],
    }


def _timezone(value: str) -> str:
    try:
        # ZoneInfo reads the host's zone files, else the tzdata package's.
        known = value in _known_zones() and ZoneInfo(value) is not None
    except (ValueError, KeyError, OSError):
        known = False
    if not known:
        raise PydanticCustomError(
            "invalid_timezone", "Not an IANA time zone name (e.g. `Europe/London`)."
        )
    return value


def _json_integer(value: Any) -> Any:
    # JSON Schema's `integer` is a number without a fraction: 15 and 15.0 (a JSON body may
    # write either), never a boolean, 1.5 or the text "15", which Pydantic's lax mode would take.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# An integer in a JSON body, exactly as the document's `type: integer` reads.
JsonInt = Annotated[int, BeforeValidator(_json_integer)]


# One of `known_zones()`; the document names the set once, as the component `TimeZone`
# (app/core/openapi.py adds it). The lengths only keep the errors of old ("" is too short).
TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64),
    AfterValidator(_timezone),
    WithJsonSchema({"$ref": f"#/components/schemas/{TIME_ZONE_COMPONENT}"}),
]

# Every timestamp input, in bodies and query strings: an RFC 3339 string with an offset (naive
# times are ambiguous and rejected) written with a year in the accepted range, stored in UTC.
UtcDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_timestamp_text),
    AfterValidator(_to_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}),
]


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
