"""A list's filters as conditions (`app.core.conditions.filter_conditions`): each set filter
equal to its column, in the dataclass's order, and a time range, after included (issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table
from sqlalchemy.dialects import sqlite

from app.core import schemas
from app.core.conditions import filter_conditions
from app.core.errors import ValidationFailed

things = Table(
    "things",
    MetaData(),
    Column("status", String),
    Column("person_id", String),
    Column("due_at", DateTime),
)
NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)
EVENING = datetime(2026, 3, 1, 18, tzinfo=UTC)


class Status(StrEnum):
    open = "open"


class Filters(schemas.Filters):
    status: Status | None = None
    person_id: str | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None


def _sql(filters: Filters, *, time: bool = True) -> list[tuple[str, list[object]]]:
    found = filter_conditions(things.c, filters, time=("due", things.c.due_at) if time else None)
    compiled = [c.compile(dialect=sqlite.dialect()) for c in found]
    return [(str(c), list(c.params.values())) for c in compiled]


def test_only_the_filters_set_become_conditions_in_their_order() -> None:
    assert _sql(Filters()) == []
    assert _sql(Filters(person_id="per_1", status=Status.open)) == [
        ("things.status = ?", ["open"]),
        ("things.person_id = ?", ["per_1"]),
    ]


def test_an_enum_is_compared_by_its_value() -> None:
    ((_, params),) = _sql(Filters(status=Status.open))
    assert type(params[0]) is str


def test_the_time_range_includes_after_and_excludes_before() -> None:
    assert _sql(Filters(due_after=NOON, due_before=EVENING, person_id="per_1")) == [
        ("things.person_id = ?", ["per_1"]),
        ("things.due_at >= ?", [NOON]),
        ("things.due_at < ?", [EVENING]),
    ]


def test_after_later_than_before_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="`due_after` is later than `due_before`"):
        _sql(Filters(due_after=EVENING, due_before=NOON))
