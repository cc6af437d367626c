"""Dense 1..n ordering of a list's rows (a bank's questions, an interview's agenda).

Each list is the rows of `table` whose `scope` column equals `scope_id`; every row has an `id`
and a `position`. Positions never have gaps: an insert or a move shifts its neighbours, a delete
closes the gap behind it. Callers lock the list's owner row first, so writes to one list queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, case, func, literal, select, update

from app.core.db import Db, utcnow


async def count(db: Db, table: Table, scope: Column[Any], scope_id: str) -> int:
    total = await db.scalar(select(func.count()).select_from(table).where(scope == scope_id))
    return int(total or 0)


async def _shift(
    db: Db, table: Table, scope: Column[Any], scope_id: str, low: int, high: int | None, by: int
) -> None:
    """Move the rows at positions low..high (inclusive; None: to the end) by `by`."""
    where = [scope == scope_id, table.c.position >= low]
    if high is not None:
        where.append(table.c.position <= high)
    await db.execute(
        update(table)
        .where(*where)
        .values(position=table.c.position + literal(by), updated_at=utcnow())
    )


async def make_room(
    db: Db, table: Table, scope: Column[Any], scope_id: str, wanted: int | None, total: int
) -> int:
    """The position for a new row (unspecified or past the end: last), its successors moved
    down one; `total` is the list's current length."""
    place = total + 1 if wanted is None else min(wanted, total + 1)
    if place <= total:
        await _shift(db, table, scope, scope_id, place, None, 1)
    return place


async def move(
    db: Db, table: Table, scope: Column[Any], scope_id: str, old: int, wanted: int
) -> int:
    """Make room for the row at `old` to go to `wanted` (past the end: last), shifting the rows
    in between; returns the position to store on the row itself."""
    new = min(wanted, await count(db, table, scope, scope_id))
    if new < old:
        await _shift(db, table, scope, scope_id, new, old - 1, 1)
    elif new > old:
        await _shift(db, table, scope, scope_id, old + 1, new, -1)
    return new


async def close_gap(db: Db, table: Table, scope: Column[Any], scope_id: str, removed: int) -> None:
    """Move the rows after a deleted row's position up one."""
    await _shift(db, table, scope, scope_id, removed + 1, None, -1)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Why a reorder's ids are not every row of the list exactly once (the first reason found)."""

    duplicated: bool
    unknown: list[str]
    total: int
    listed: int


def _mismatch(current: dict[str, int], wanted_ids: list[str]) -> Mismatch | None:
    duplicated = len(set(wanted_ids)) != len(wanted_ids)
    unknown = [] if duplicated else [i for i in wanted_ids if i not in current]
    if not duplicated and not unknown and len(wanted_ids) == len(current):
        return None
    return Mismatch(duplicated, unknown, len(current), len(wanted_ids))


async def reorder(
    db: Db,
    table: Table,
    scope: Column[Any],
    scope_id: str,
    wanted_ids: list[str],
    mismatch: Callable[[Mismatch], Exception],
) -> None:
    """Give the rows the positions of their ids in `wanted_ids`, in one statement; raises
    `mismatch(...)` unless the list names each row exactly once."""
    rows = await db.all(select(table.c.id, table.c.position).where(scope == scope_id))
    current = {r["id"]: r["position"] for r in rows}
    problem = _mismatch(current, wanted_ids)
    if problem is not None:
        raise mismatch(problem)
    wanted = {row_id: position for position, row_id in enumerate(wanted_ids, start=1)}
    moved = {row_id: p for row_id, p in wanted.items() if current[row_id] != p}
    if moved:
        await db.execute(
            update(table)
            .where(scope == scope_id, table.c.id.in_(list(moved)))
            .values(position=case(moved, value=table.c.id), updated_at=utcnow())
        )
