"""Keyset pagination visits every row once, in order, for ascending and descending sorts over a
timestamp with an id tie-break, and rejects cursors and sorts it did not issue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.api_keys.models import api_keys
from app.core import ids
from app.core.db import Database
from app.core.errors import ValidationFailed
from app.core.pagination import SortOrder, page_of, resolve_sort
from app.workspaces.models import workspaces

ORDERS = {
    "created_at": SortOrder("created_at", (workspaces.c.created_at, workspaces.c.id)),
    "-created_at": SortOrder(
        "-created_at", (workspaces.c.created_at, workspaces.c.id), descending=True
    ),
}


@pytest.fixture
async def batch(database: Database) -> list[str]:
    """23 workspaces sharing a unique name prefix, some with equal timestamps (ties)."""
    tag = ids.new_id("wsp")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    async with database.transaction() as db:
        for n in range(23):
            at = base + timedelta(minutes=n // 3)  # three rows per timestamp
            await db.execute(
                insert(workspaces).values(
                    id=ids.new_id("wsp"), name=f"{tag}-{n}", created_at=at, updated_at=at
                )
            )
    return [f"{tag}-{n}" for n in range(23)]


async def _walk(database: Database, order: SortOrder, prefix: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(200):  # bounded: a cursor that does not advance fails instead of hanging
        stmt = select(workspaces.c.id, workspaces.c.name, workspaces.c.created_at).where(
            workspaces.c.name.startswith(prefix)
        )
        page = page_of(await database.reader().all(order.apply(stmt, cursor, limit)), order, limit)
        seen.extend(row["name"] for row in page.rows)
        if not page.has_more:
            return seen
        cursor = page.next_cursor
    raise AssertionError(f"pagination did not end; saw {len(seen)} rows")


@pytest.mark.parametrize("limit", [1, 4, 23, 100])
async def test_every_row_once_in_order(database: Database, batch: list[str], limit: int) -> None:
    prefix = batch[0].rsplit("-", 1)[0]
    ascending = await _walk(database, ORDERS["created_at"], prefix, limit)
    descending = await _walk(database, ORDERS["-created_at"], prefix, limit)
    assert ascending == batch
    # Ties break on id, which grows with insertion, so descending is the exact reverse.
    assert descending == list(reversed(batch))


async def test_a_cursor_only_fits_its_own_sort(database: Database, batch: list[str]) -> None:
    order = ORDERS["created_at"]
    rows = await database.reader().all(
        order.apply(select(workspaces.c.id, workspaces.c.created_at), None, 2)
    )
    cursor = page_of(rows, order, 2).next_cursor
    assert cursor is not None
    with pytest.raises(ValidationFailed) as refused:
        ORDERS["-created_at"].apply(select(workspaces.c.id), cursor, 2)
    assert refused.value.errors is not None
    assert refused.value.errors[0].code == "invalid_cursor"
    for garbage in ("", "!!!", "eyJ4IjoxfQ", cursor[:-3]):
        with pytest.raises(ValidationFailed):
            order.apply(select(workspaces.c.id), garbage, 2)


def test_unknown_sort_keys_are_refused() -> None:
    assert resolve_sort("-created_at", ORDERS) is ORDERS["-created_at"]
    with pytest.raises(ValidationFailed) as refused:
        resolve_sort("name", ORDERS)
    assert refused.value.errors is not None
    assert refused.value.errors[0].parameter == "sort"
    assert refused.value.errors[0].code == "invalid_sort"


NULLABLE = {
    "expires_at": SortOrder("expires_at", (api_keys.c.expires_at, api_keys.c.id), nullable=True),
    "-expires_at": SortOrder(
        "-expires_at", (api_keys.c.expires_at, api_keys.c.id), descending=True, nullable=True
    ),
}


async def test_nullable_sorts_put_nulls_last_and_visit_every_row(database: Database) -> None:
    base = datetime(2027, 1, 1, tzinfo=UTC)
    workspace_id = ids.new_id("wsp")
    expected: list[tuple[datetime | None, str]] = []
    async with database.transaction() as db:
        await db.execute(
            insert(workspaces).values(id=workspace_id, name="n", created_at=base, updated_at=base)
        )
        for n in range(11):
            expires = None if n % 3 == 0 else base + timedelta(days=n % 4)
            key_id = ids.new_id("key")
            expected.append((expires, key_id))
            await db.execute(
                insert(api_keys).values(
                    id=key_id,
                    workspace_id=workspace_id,
                    name="k",
                    prefix="p",
                    last_four="1234",
                    secret_hash=key_id,
                    scopes=[],
                    created_at=base,
                    updated_at=base,
                    expires_at=expires,
                )
            )
    dated = [e for e in expected if e[0] is not None]
    nulls = [e[1] for e in expected if e[0] is None]
    ascending = [k for _, k in sorted(dated, key=lambda e: (e[0], e[1]))] + nulls
    descending = [k for _, k in sorted(dated, key=lambda e: (e[0], e[1]), reverse=True)]
    descending += list(reversed(nulls))
    for name, want in (("expires_at", ascending), ("-expires_at", descending)):
        order = NULLABLE[name]
        for limit in (1, 2, 5):
            seen: list[str] = []
            cursor = None
            for _ in range(50):
                stmt = select(api_keys.c.id, api_keys.c.expires_at).where(
                    api_keys.c.workspace_id == workspace_id
                )
                rows = await database.reader().all(order.apply(stmt, cursor, limit))
                page = page_of(rows, order, limit)
                seen.extend(r["id"] for r in page.rows)
                if not page.has_more:
                    break
                cursor = page.next_cursor
            assert seen == want, (name, limit)
