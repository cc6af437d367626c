"""Filters that several resources share: text search and tag membership, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB


def search_text(*parts: str | None) -> str:
    """The lower-cased text `?q=` matches against, built from a record's searchable fields."""
    return "\n".join(p.lower() for p in parts if p)


def like_pattern(q: str) -> str:
    """The LIKE pattern (escape character `\\`) for "contains `q`", lower-cased, with `%`, `_`
    and `\\` in `q` taken literally."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains_text(column: ColumnElement[Any], pattern: BindParameter[Any]) -> ColumnElement[bool]:
    return column.like(pattern, escape="\\")


def matches_query(column: ColumnElement[Any], q: str) -> ColumnElement[bool]:
    """`column` (a lower-cased `search_text`) contains `q`, case-insensitively; `%`, `_` and
    `\\` in `q` are taken literally."""
    return _contains_text(column, bindparam(None, like_pattern(q), unique=True))


def matches_bound_query(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`matches_query` with the pattern (`like_pattern(q)`) in the bind parameter `name`, for
    statements built once and reused."""
    return _contains_text(column, bindparam(name))


def bound_tag(dialect_name: str, tag: str) -> Any:
    """The value of `has_bound_tag`'s parameter for `tag`."""
    return [tag] if dialect_name == "postgresql" else tag


def _contains_tag(
    dialect_name: str, column: ColumnElement[Any], tag: BindParameter[Any]
) -> ColumnElement[bool]:
    if dialect_name == "postgresql":
        # jsonb containment, `tags @> '["tag"]'` (the column's generic JSON type has no `@>`).
        return type_coerce(column, JSONB()).contains(tag)
    element = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(element).where(element.c.value == tag))


def _tag_type(dialect_name: str) -> Any:
    return JSONB() if dialect_name == "postgresql" else None


def has_tag(dialect_name: str, column: ColumnElement[Any], tag: str) -> ColumnElement[bool]:
    """The JSON array in `column` contains the string `tag`."""
    value = bindparam(
        None, bound_tag(dialect_name, tag), type_=_tag_type(dialect_name), unique=True
    )
    return _contains_tag(dialect_name, column, value)


def has_bound_tag(dialect_name: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`has_tag` with the tag in the bind parameter `name` (pass `bound_tag(dialect, tag)`)."""
    return _contains_tag(dialect_name, column, bindparam(name, type_=_tag_type(dialect_name)))


def normalise_tags(tags: list[str]) -> list[str]:
    """Tags are trimmed, de-duplicated case-insensitively and kept in first-seen order."""
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned = tag.strip()
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())
