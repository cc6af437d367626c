"""Filters that several resources share: text search and tag membership, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, literal_column, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB


def search_text(*parts: str | None) -> str:
    """The lower-cased text `?q=` matches against, built from a record's searchable fields."""
    return "\n".join(p.lower() for p in parts if p)


def matches_query(column: ColumnElement[Any], q: str) -> ColumnElement[bool]:
    """`column` (a lower-cased `search_text`) contains `q`, case-insensitively; `%` and `_` in
    `q` are taken literally."""
    return column.contains(q.lower(), autoescape=True)


def like_pattern(q: str) -> str:
    """The LIKE pattern (escape character `\\`) for "contains `q`", lower-cased, with `%`, `_`
    and `\\` in `q` taken literally; for `matches_bound_query`."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches_bound_query(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`matches_query` with the pattern (`like_pattern(q)`) in the bind parameter `name`."""
    return column.like(bindparam(name), escape="\\")


def has_bound_tag(dialect_name: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`has_tag` with the tag in the bind parameter `name` (pass `bound_tag(dialect, tag)`)."""
    if dialect_name == "postgresql":
        return type_coerce(column, JSONB()).contains(bindparam(name, type_=JSONB()))
    element = func.json_each(column).table_valued("value")
    return exists(
        select(literal_column("1")).select_from(element).where(element.c.value == bindparam(name))
    )


def bound_tag(dialect_name: str, tag: str) -> Any:
    return [tag] if dialect_name == "postgresql" else tag


def has_tag(dialect_name: str, column: ColumnElement[Any], tag: str) -> ColumnElement[bool]:
    """The JSON array in `column` contains the string `tag`."""
    if dialect_name == "postgresql":
        # jsonb containment, `tags @> '["tag"]'` (the column's generic JSON type has no `@>`).
        return type_coerce(column, JSONB()).contains([tag])
    element = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(element).where(element.c.value == tag))


def normalise_tags(tags: list[str]) -> list[str]:
    """Tags are trimmed, de-duplicated case-insensitively and kept in first-seen order."""
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned = tag.strip()
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())
