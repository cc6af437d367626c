"""Filters that several resources share: text search, tag membership and time ranges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB

from app.core.errors import FieldError, ValidationFailed


def check_range(prefix: str, after: datetime | None, before: datetime | None) -> None:
    """422 `invalid_range` on the `{prefix}_after` parameter when it is later than
    `{prefix}_before` (both given)."""
    if after is None or before is None or after <= before:
        return
    low, high = f"{prefix}_after", f"{prefix}_before"
    raise ValidationFailed(
        f"`{low}` is later than `{high}`.",
        errors=[
            FieldError(
                parameter=low, detail=f"Must not be later than `{high}`.", code="invalid_range"
            )
        ],
    )


def search_text(*parts: str | None) -> str:
    """The lower-cased text `?q=` matches against, built from a record's searchable fields."""
    return "\n".join(p.lower() for p in parts if p)


def like_pattern(q: str) -> str:
    """The LIKE pattern (escape character `\\`) for "contains `q`", lower-cased, with `%`, `_`
    and `\\` in `q` taken literally."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches_bound_query(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`column` (a lower-cased `search_text`) contains the text whose pattern
    (`like_pattern(q)`: case-insensitive, `%`, `_` and `\\` taken literally) is in the bind
    parameter `name`, for statements built once and reused."""
    return column.like(bindparam(name), escape="\\")


def bound_tag(dialect_name: str, tag: str) -> Any:
    """The value of `has_bound_tag`'s parameter for `tag`."""
    return [tag] if dialect_name == "postgresql" else tag


def has_bound_tag(dialect_name: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """The JSON array in `column` contains the tag in the bind parameter `name` (pass
    `bound_tag(dialect, tag)`)."""
    if dialect_name == "postgresql":
        # jsonb containment, `tags @> '["tag"]'` (the column's generic JSON type has no `@>`).
        return type_coerce(column, JSONB()).contains(bindparam(name, type_=JSONB()))
    element = func.json_each(column).table_valued("value")
    condition = element.c.value == bindparam(name)
    return exists(select(literal_column("1")).select_from(element).where(condition))


def bound_filters(
    dialect_name: str, filters: object, names: tuple[str, ...]
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The filters (attributes of `filters` among `names`) that are set, and their bind
    values for `bound_conditions`: `tag` as `has_bound_tag` takes it, `q` as a LIKE pattern."""
    present: list[str] = []
    params: dict[str, Any] = {}
    for name in names:
        value = getattr(filters, name)
        if value is None:
            continue
        present.append(name)
        if name == "tag":
            params[name] = bound_tag(dialect_name, value)
        elif name == "q":
            params[name] = like_pattern(value)
        else:
            params[name] = value
    return tuple(present), params


def bound_conditions(
    dialect_name: str, columns: Any, present: tuple[str, ...]
) -> list[ColumnElement[bool]]:
    """A list statement's conditions with every value a bind parameter, for statements built
    once per shape: the workspace (`workspace_id`), then each present filter: `tag` (in the
    `tags` array), `q` (in `search_text`), any other equal to the column of its name."""
    conditions: list[ColumnElement[bool]] = [columns.workspace_id == bindparam("workspace_id")]
    for name in present:
        if name == "tag":
            conditions.append(has_bound_tag(dialect_name, columns.tags, "tag"))
        elif name == "q":
            conditions.append(matches_bound_query(columns.search_text, "q"))
        else:
            conditions.append(columns[name] == bindparam(name))
    return conditions


def normalise_tags(tags: list[str]) -> list[str]:
    """Tags are trimmed, de-duplicated case-insensitively and kept in first-seen order."""
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned = tag.strip()
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())
