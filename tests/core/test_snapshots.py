"""`Database.snapshot()`: one snapshot for a multi-statement read, writes refused, the connection
returned after an error or a cancellation; the stats endpoint that reads through one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import bindparam, insert, select, text, update

from app.core import ids
from app.core.db import Database, ReadOnlyViolation
from app.stats import service as stats_service
from app.workspaces.models import workspaces
from tests.conftest import Account
from tests.stats.test_stats import AS_OF, at, known_records, stats_url

_NAME = select(workspaces.c.name).where(workspaces.c.id == bindparam("wid"))


async def _new_workspace(database: Database, name: str) -> str:
    now = datetime.now(UTC)
    workspace_id = ids.new_id("wsp")
    async with database.transaction() as db:
        await db.execute(
            insert(workspaces).values(id=workspace_id, name=name, created_at=now, updated_at=now)
        )
    return workspace_id


async def _rename(database: Database, workspace_id: str, name: str) -> None:
    async with database.transaction() as db:
        await db.execute(
            update(workspaces).where(workspaces.c.id == workspace_id).values(name=name)
        )


def _in_use(database: Database) -> int:
    return database.pool_status()["in_use"]


async def test_a_snapshot_keeps_seeing_what_its_first_read_saw(database: Database) -> None:
    workspace_id = await _new_workspace(database, "Before")
    params = {"wid": workspace_id}
    async with database.snapshot() as snap:
        assert await snap.scalar(_NAME, params) == "Before"
        await _rename(database, workspace_id, "After")
        assert await database.reader().scalar(_NAME, params) == "After"
        assert await snap.scalar(_NAME, params) == "Before"
    # The snapshot ended with its block: a new one sees the change.
    async with database.snapshot() as snap:
        assert await snap.scalar(_NAME, params) == "After"


@pytest.mark.parametrize("kind", ["core", "text"])
async def test_a_write_through_a_snapshot_is_refused_and_changes_nothing(
    database: Database, kind: str
) -> None:
    workspace_id = await _new_workspace(database, "Kept")
    params = {"wid": workspace_id}
    write = (
        update(workspaces).where(workspaces.c.id == workspace_id).values(name="Changed")
        if kind == "core"
        else text("UPDATE workspaces SET name = 'Changed' WHERE id = :wid").bindparams(
            wid=workspace_id
        )
    )
    in_use = _in_use(database)
    with pytest.raises(ReadOnlyViolation):
        async with database.snapshot() as snap:
            assert await snap.scalar(_NAME, params) == "Kept"
            await snap.execute(write)
    assert await database.reader().scalar(_NAME, params) == "Kept"
    assert _in_use(database) == in_use


async def test_an_error_inside_a_snapshot_returns_its_connection_for_reuse(
    database: Database,
) -> None:
    workspace_id = await _new_workspace(database, "Error")
    status = database.pool_status()
    with pytest.raises(LookupError):
        async with database.snapshot() as snap:
            await snap.scalar(_NAME, {"wid": workspace_id})
            assert _in_use(database) == status["in_use"] + 1
            raise LookupError("the read failed halfway")
    # Back and idle, not dropped: an error in Python leaves the connection sound.
    assert database.pool_status() == status


async def test_a_cancelled_snapshot_returns_its_connection(database: Database) -> None:
    workspace_id = await _new_workspace(database, "Cancelled")
    in_use = _in_use(database)
    started = asyncio.Event()
    pg = database.dialect_name == "postgresql"

    async def read() -> None:
        async with database.snapshot() as snap:
            await snap.scalar(_NAME, {"wid": workspace_id})
            started.set()
            if pg:
                # Cancelled while PostgreSQL runs the statement: the connection is dropped.
                await snap.scalar(text("SELECT pg_sleep(10)"))
            else:
                await asyncio.sleep(10)

    task = asyncio.ensure_future(read())
    await started.wait()
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _in_use(database) == in_use
    # The pool still serves snapshots and readers.
    async with database.snapshot() as snap:
        assert await snap.scalar(_NAME, {"wid": workspace_id}) == "Cancelled"


async def test_the_stats_endpoint_answers_as_a_plain_read_does(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    await known_records(database, owner.workspace_id)
    in_use = _in_use(database)
    response = await client.get(stats_url(owner), params={"as_of": AS_OF}, headers=owner.headers)
    assert response.status_code == 200, response.text
    expected = await stats_service.workspace_stats(
        database.reader(), workspace_id=owner.workspace_id, as_of=at("2026-11-25T12:00:00")
    )
    assert response.json() == expected.model_dump(mode="json")
    assert _in_use(database) == in_use
