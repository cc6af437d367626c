"""The list service of a workspace's table whose filters are plain column values (and a time
range): its rows matching a filters dataclass, a page at a time, each shown as its model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, select

from app.core.conditions import filter_conditions
from app.core.db import Db
from app.core.pagination import Page, SortOrder, fetch_page

T = TypeVar("T")
Lister = Callable[..., Awaitable[tuple[list[T], Page]]]


def filtered_list(
    table: Table,
    shown: Callable[[Mapping[str, Any]], T],
    *,
    time: tuple[str, ColumnElement[Any]] | None = None,
) -> Lister[T]:
    """`list_…(db, *, workspace_id, filters, order, cursor, limit)`: the page of the workspace's
    rows of `table` that match `filters` (`filter_conditions`, with its `time` range), following
    `cursor` in `order`, each as `shown(row)`."""

    async def list_rows(
        db: Db, *, workspace_id: str, filters: Any, order: SortOrder, cursor: str | None, limit: int
    ) -> tuple[list[T], Page]:
        conditions = filter_conditions(table.c, filters, time=time)
        stmt = select(*table.c).where(table.c.workspace_id == workspace_id, *conditions)
        page = await fetch_page(db, stmt, order, cursor, limit)
        return [shown(row) for row in page.rows], page

    return list_rows
