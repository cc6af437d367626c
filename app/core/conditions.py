"""A list's filters as WHERE conditions: each filter equal to the column of its name, and a
time range."""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement

from app.core.filters import check_range


def filter_conditions(
    columns: Any, filters: Any, *, time: tuple[str, ColumnElement[Any]] | None = None
) -> list[ColumnElement[bool]]:
    """The conditions of `filters` (a Pydantic model; None means "any"), in its fields' order: each
    equal to the column of its name (an enum by its value). With `time=(prefix, column)`, the
    fields `{prefix}_after` and `{prefix}_before` bound `column` instead, `after` included and
    `before` not; `after` later than `before` is a 422 (`check_range`)."""
    bounds: tuple[str, ...] = ()
    if time is not None:
        prefix = time[0]
        bounds = (f"{prefix}_after", f"{prefix}_before")
        check_range(prefix, getattr(filters, bounds[0]), getattr(filters, bounds[1]))
    conditions: list[ColumnElement[bool]] = []
    for name in type(filters).model_fields:
        value = getattr(filters, name)
        if value is not None and name not in bounds:
            equal = value.value if isinstance(value, Enum) else value
            conditions.append(columns[name] == equal)
    if time is not None:
        after, before = (getattr(filters, name) for name in bounds)
        if after is not None:
            conditions.append(time[1] >= after)
        if before is not None:
            conditions.append(time[1] < before)
    return conditions
