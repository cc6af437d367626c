"""Keyset (cursor) pagination: page 1,000 costs what page 1 costs. No OFFSET, no COUNT(*)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import orjson
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    SmallInteger,
    UnaryExpression,
    and_,
    bindparam,
    literal,
    or_,
    select,
    tuple_,
)

from app.core.db import Db, UTCDateTime
from app.core.errors import FieldError, ValidationFailed
from app.core.filters import bound_conditions, bound_filters
from app.core.schemas import in_timestamp_range
from app.core.stored_documents import DocumentColumns, document_rows

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

LIMIT_DESCRIPTION = f"Page size, 1–{MAX_LIMIT}."
CURSOR_DESCRIPTION = "Opaque cursor from the previous page's `next_cursor`."
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)]
Cursor = Annotated[str | None, Query(min_length=1, max_length=512, description=CURSOR_DESCRIPTION)]


@dataclass(frozen=True, slots=True)
class SortOrder:
    """A public sort name and the columns that order it; the last column must be unique.

    With `nullable`, the first column may hold NULL (say, a person never contacted): those rows
    come last in either direction, still in id order among themselves.
    """

    name: str
    columns: tuple[ColumnElement[Any], ...]
    descending: bool = False
    nullable: bool = False

    def apply(self, stmt: Select[Any], cursor: str | None, limit: int) -> Select[Any]:
        if cursor is not None:
            stmt = stmt.where(self._after(decode_cursor(cursor, self)))
        # One row more than asked tells whether another page exists, without a COUNT.
        return stmt.order_by(*self._order()).limit(limit + 1)

    def shaped(self, stmt: Select[Any], after: str | None) -> Select[Any]:
        """`apply` with every value a bind parameter, for statements built once per shape and
        reused (see `keyset`): `after` is None (first page), "value" or "null" (the cursor's
        first value is NULL, for a nullable sort)."""
        if after is not None:
            values: list[Any] = [
                bindparam(f"after_{i}", type_=c.type) for i, c in enumerate(self.columns)
            ]
            if after == "null":
                values[0] = None
            stmt = stmt.where(self._after(values))
        return stmt.order_by(*self._order()).limit(bindparam("page_limit", type_=Integer()))

    def keyset(self, cursor: str | None, limit: int) -> tuple[str | None, dict[str, Any]]:
        """The shape (`after` for `shaped`) and values of one page's keyset query."""
        params: dict[str, Any] = {"page_limit": limit + 1}
        if cursor is None:
            return None, params
        values = decode_cursor(cursor, self)
        for i, value in enumerate(values):
            if value is not None:
                params[f"after_{i}"] = value
        return ("null" if values[0] is None else "value"), params

    def _order(self) -> list[UnaryExpression[Any]]:
        order = [c.desc() if self.descending else c.asc() for c in self.columns]
        if self.nullable:
            order[0] = order[0].nulls_last()
        return order

    def _after(self, values: list[Any]) -> ColumnElement[bool]:
        """Rows beyond the cursor's `values` (plain values, or bind parameters for `shaped`)."""

        def beyond(key: ColumnElement[Any], value: ColumnElement[Any]) -> ColumnElement[bool]:
            return key < value if self.descending else key > value

        if not self.nullable:
            return beyond(tuple_(*self.columns), tuple_(*values))
        first, rest = self.columns[0], self.columns[1:]
        if values[0] is None:  # already among the NULLs, which come last
            return and_(first.is_(None), beyond(tuple_(*rest), tuple_(*values[1:])))
        lead = values[0]
        if not isinstance(lead, BindParameter):
            lead = literal(lead, first.type)
        return or_(
            beyond(first, lead),
            and_(first == values[0], beyond(tuple_(*rest), tuple_(*values[1:]))),
            first.is_(None),
        )

    def cursor_for(self, row: Mapping[str, Any]) -> str:
        values = [row[_label(c)] for c in self.columns]
        payload = {"s": self.name, "v": [_encode(v) for v in values]}
        return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def _label(column: ColumnElement[Any]) -> str:
    key = getattr(column, "key", None)
    if not isinstance(key, str):
        raise TypeError(f"a sort column needs a name: {column!r}")
    return key


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _invalid_cursor(detail: str) -> ValidationFailed:
    return ValidationFailed(
        "The cursor is not valid for this list; start again without it.",
        errors=[FieldError(parameter="cursor", detail=detail, code="invalid_cursor")],
    )


def decode_cursor(cursor: str, order: SortOrder) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise _invalid_cursor("The cursor could not be read.") from exc
    if not isinstance(payload, dict) or payload.get("s") != order.name:
        raise _invalid_cursor("The cursor belongs to another sort order.")
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(order.columns):
        raise _invalid_cursor("The cursor could not be read.")
    decoded: list[Any] = []
    for index, (column, value) in enumerate(zip(order.columns, values, strict=True)):
        nullable_here = order.nullable and index == 0
        decoded.append(None if value is None and nullable_here else _cursor_value(column, value))
    return decoded


def _integer_bounds(column_type: Any) -> tuple[int, int]:
    """The signed range of the column's declared type, on both databases (SQLite would take
    64 bits whatever the type). A cursor value outside it is refused before any statement:
    asyncpg refuses it only once it holds a connection, which it then drops."""
    if isinstance(column_type, SmallInteger):
        bits = 16
    elif isinstance(column_type, BigInteger):
        bits = 64
    else:
        bits = 32
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _cursor_value(column: ColumnElement[Any], value: Any) -> Any:
    """A cursor value checked against its column's type: a forged cursor is a 422, never a
    database error. Timestamps must lie in the range every timestamp input has."""
    expected = datetime if isinstance(column.type, UTCDateTime) else column.type.python_type
    if expected is datetime:
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if parsed.tzinfo is not None and in_timestamp_range(parsed) is not None:
                    return parsed
    elif expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = _integer_bounds(column.type)
            if low <= value <= high:
                return value
    elif isinstance(value, expected) and not (isinstance(value, str) and "\x00" in value):
        return value
    raise _invalid_cursor("The cursor could not be read.")


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Mapping[str, Any]]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def both_ways(
    name: str, columns: tuple[ColumnElement[Any], ...], *, nullable: bool = False
) -> dict[str, SortOrder]:
    """The sort `name` by `columns` and its reverse `-name`, keyed by their public names."""
    return {
        name: SortOrder(name, columns, nullable=nullable),
        f"-{name}": SortOrder(f"-{name}", columns, descending=True, nullable=nullable),
    }


def sort_keys(orders: Mapping[str, SortOrder]) -> set[str]:
    """The keys of every column the sort orders use: a page's rows must bring them all, the
    next cursor being read from them."""
    return {_label(column) for order in orders.values() for column in order.columns}


def page_of(rows: Sequence[Mapping[str, Any]], order: SortOrder, limit: int) -> Page:
    """Cut the `limit + 1` rows a keyset query fetched into a page and its next cursor."""
    if len(rows) > limit:
        return Page(rows[:limit], order.cursor_for(rows[limit - 1]))
    return Page(rows, None)


async def fetch_page(
    db: Db, stmt: Select[Any], order: SortOrder, cursor: str | None, limit: int
) -> Page:
    """The page of `stmt`'s rows that follows `cursor` in `order`."""
    return page_of(await db.all(order.apply(stmt, cursor, limit)), order, limit)


class KeysetList:
    """A table's list: its statements, one per shape (dialect, sort, cursor kind, which filters
    are present), built and compiled once, and the pages they read. Each request passes only
    values (`SortOrder.keyset` and `bound_filters`). `table` holds the filtered columns
    (`workspace_id`, and one per field of the `filters` model). `columns` may be a table's
    `DocumentColumns` (app.core.stored_documents): the page is then read by `document_rows`."""

    def __init__(
        self,
        columns: Sequence[ColumnElement[Any]] | DocumentColumns,
        table: Any,
        filters: type[BaseModel],
    ) -> None:
        self._filters = tuple(filters.model_fields)
        self._documents = isinstance(columns, DocumentColumns)
        lists = columns if isinstance(columns, DocumentColumns) else (columns,)

        @lru_cache(maxsize=256)
        def statements(
            dialect_name: str, order: SortOrder, after: str | None, present: tuple[str, ...]
        ) -> tuple[Select[Any], ...]:
            conditions = bound_conditions(dialect_name, table, present)
            return tuple(
                order.shaped(select(*selected).where(*conditions), after) for selected in lists
            )

        self.statements = statements

    async def page(
        self,
        db: Db,
        workspace_id: str,
        filters: object,
        order: SortOrder,
        cursor: str | None,
        limit: int,
    ) -> Page:
        """The workspace's rows that match `filters`, following `cursor` in `order`, as the
        driver returns them (`Db.records`)."""
        after, params = order.keyset(cursor, limit)
        present, values = bound_filters(db.dialect_name, filters, self._filters)
        stmts = self.statements(db.dialect_name, order, after, present)
        params = {**params, **values, "workspace_id": workspace_id}
        if self._documents:
            return page_of(await document_rows(db, stmts[0], stmts[1], params), order, limit)
        return page_of(await db.records(stmts[0], params), order, limit)


def resolve_sort(value: str, orders: dict[str, SortOrder]) -> SortOrder:
    """The allow-listed sort order for `?sort=`; an unknown key is a 422."""
    order = orders.get(value)
    if order is None:
        allowed = ", ".join(sorted(orders))
        raise ValidationFailed(
            f"Unknown sort `{value}`.",
            errors=[
                FieldError(parameter="sort", detail=f"Allowed: {allowed}.", code="invalid_sort")
            ],
        )
    return order
