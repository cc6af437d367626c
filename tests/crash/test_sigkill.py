"""Crash safety (issue 19): the server is killed with SIGKILL in the middle of a create load, round
after round, and every create it acknowledged is still there, exactly once, in a database that
passes its integrity check.

What a kill tests depends on the database. On SQLite the app's process is the database: a
SIGKILL mid-write is a real crash of the writer, and WAL with synchronous=NORMAL keeps every
committed transaction through a crash of the process (COMMIT has written the WAL into the
kernel's cache when it returns; only losing the machine could lose it). On PostgreSQL the
database outlives the kill: what is tested is that a killed client leaves no half-written
transaction behind, and, on both, that no 201 goes out before its COMMIT.

Each create also schedules a stay-in-touch follow-up in its transaction, so a create is several
statements and a half-kept one would show as a person without exactly one follow-up.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import secrets
import tempfile
import warnings
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import DATABASE_URL, alembic, bearer, create_api_key, signup
from tests.servers import Server, serving

ROUNDS = 4
CLIENTS = 8
LOAD_SECONDS = (0.3, 1.0)


@dataclass
class Scratch:
    """The test's own database (never the suite's) and a directory for the server's log."""

    url: str
    directory: Path

    @property
    def dialect(self) -> str:
        return make_url(self.url).get_backend_name()


@pytest.fixture
async def scratch() -> AsyncIterator[Scratch]:
    """A migrated database of the kind under test, removed afterwards however the test ends."""
    with tempfile.TemporaryDirectory(prefix="rapport-crash-") as directory:
        url = make_url(DATABASE_URL)
        if url.get_backend_name() == "sqlite":
            yield _migrated(Scratch(f"sqlite+aiosqlite:///{directory}/crash.db", Path(directory)))
            return
        name = f"crash_{secrets.token_hex(4)}"
        admin = os.environ.get("PG_ADMIN_URL") or url.set(
            drivername="postgresql", database="postgres"
        ).render_as_string(hide_password=False)
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
            try:
                own = url.set(database=name).render_as_string(hide_password=False)
                yield _migrated(Scratch(own, Path(directory)))
            finally:
                # FORCE: a connection the killed server left open must not keep it alive.
                await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def _migrated(scratch: Scratch) -> Scratch:
    result = alembic("upgrade", "head", url=scratch.url)
    assert result.returncode == 0, result.stderr
    return scratch


@dataclass
class Round:
    """What the clients of one round saw: creates answered 201 (marker to id), creates whose
    answer the kill cut off (they may or may not have landed), and anything else."""

    number: int
    load_seconds: float
    acknowledged: dict[str, str] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)
    killing: bool = False

    def __str__(self) -> str:
        return (
            f"round {self.number}: {self.load_seconds:.2f} s of load, "
            f"{len(self.acknowledged)} acknowledged, {len(self.unknown)} cut off"
        )


async def create_load(server: Server, workspace_id: str, key: str, number: int) -> Round:
    """CLIENTS concurrent creators, each create with a marker of its own, until the server is
    killed a random moment after its first answer (counted from then, the load does not
    depend on how fast the server started)."""
    outcome = Round(number, random.uniform(*LOAD_SECONDS))
    serial = itertools.count()
    path = f"/v1/workspaces/{workspace_id}/people"
    answered = asyncio.Event()

    async def creator(client: httpx.AsyncClient) -> None:
        while True:
            marker = f"crash-{number}-{next(serial):06d}"
            body = {"given_name": marker, "family_name": "Crash", "stay_in_touch_every_days": 30}
            try:
                response = await client.post(path, json=body, headers=bearer(key))
            except httpx.ConnectError:
                # Never sent: the server was gone before the connection was made.
                return
            except httpx.TransportError as error:
                outcome.unknown.add(marker)
                if not outcome.killing:
                    outcome.unexpected.append(f"{marker}: {error!r} before the kill")
                return
            if response.status_code != 201:
                outcome.unexpected.append(f"{marker}: {response.status_code} {response.text}")
                return
            outcome.acknowledged[marker] = response.json()["id"]
            answered.set()

    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as client:
        creators = [asyncio.create_task(creator(client)) for _ in range(CLIENTS)]
        # A creator ends before the first answer only on a failure, which the test reports.
        first_answer = asyncio.create_task(answered.wait())
        await asyncio.wait([first_answer, *creators], return_when=asyncio.FIRST_COMPLETED)
        first_answer.cancel()
        await asyncio.sleep(outcome.load_seconds)
        outcome.killing = True
        await server.kill()
        await asyncio.gather(*creators)
    return outcome


async def test_every_acknowledged_create_survives_sigkill_exactly_once(scratch: Scratch) -> None:
    async with serving(scratch.url, scratch.directory / "server.log") as server:
        await server.start()
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            owner = await signup(client, name="Crash")
            key = (await create_api_key(client, owner, ["people:read", "people:write"]))["secret"]
        rounds: list[Round] = []
        for number in range(1, ROUNDS + 1):
            if number > 1:
                await server.start()
            rounds.append(await create_load(server, owner.workspace_id, key, number))
        summary = "; ".join(map(str, rounds))
        assert [each.unexpected for each in rounds] == [[]] * ROUNDS, summary
        # The kills came mid-load: requests were on their way when the server fell.
        assert any(each.unknown for each in rounds), summary

        await server.start()
        acknowledged = {
            marker: person_id for each in rounds for marker, person_id in each.acknowledged.items()
        }
        unknown = {marker for each in rounds for marker in each.unknown}
        await check_creates(server, scratch, owner.workspace_id, key, acknowledged, unknown)
        assert await integrity_problems(scratch) == []


async def check_creates(
    server: Server,
    scratch: Scratch,
    workspace_id: str,
    key: str,
    acknowledged: dict[str, str],
    unknown: set[str],
) -> None:
    """Every acknowledged create is readable and kept exactly once, an unknown one at most once,
    and nothing else is there."""
    stored = await fetch(scratch, "SELECT id, given_name FROM people")
    ids_by_marker: dict[str, list[str]] = {}
    for person_id, marker in stored:
        ids_by_marker.setdefault(marker, []).append(person_id)
    duplicated = {marker: ids for marker, ids in ids_by_marker.items() if len(ids) > 1}
    assert duplicated == {}
    lost = {
        marker: person_id
        for marker, person_id in acknowledged.items()
        if ids_by_marker.get(marker) != [person_id]
    }
    assert lost == {}, f"{len(lost)} of {len(acknowledged)} acknowledged creates lost"
    assert set(ids_by_marker) - acknowledged.keys() - unknown == set()
    landed = unknown & ids_by_marker.keys()
    assert len(stored) == len(acknowledged) + len(landed)

    # Each transaction was kept whole: one stay-in-touch follow-up per person, none orphaned.
    follow_ups = await fetch(
        scratch, "SELECT person_id FROM follow_ups WHERE kind = 'stay_in_touch'"
    )
    stored_ids = [person_id for person_id, _ in stored]
    assert Counter(person_id for (person_id,) in follow_ups) == Counter(stored_ids)

    async with httpx.AsyncClient(base_url=server.base_url, headers=bearer(key)) as client:
        path = f"/v1/workspaces/{workspace_id}/people"
        unreadable = await _unreadable(client, path, acknowledged)
        assert unreadable == [], f"{len(unreadable)} acknowledged creates unreadable"
        assert sorted(await _listed(client, path)) == sorted(stored_ids)


async def _unreadable(
    client: httpx.AsyncClient, path: str, acknowledged: dict[str, str]
) -> list[str]:
    """The acknowledged creates that a GET by id does not return as they were created."""
    gate = asyncio.Semaphore(CLIENTS)

    async def read(marker: str, person_id: str) -> str | None:
        async with gate:
            response = await client.get(f"{path}/{person_id}")
        if response.status_code == 200 and response.json()["given_name"] == marker:
            return None
        return f"{marker} {person_id}: {response.status_code} {response.text[:200]}"

    answers = await asyncio.gather(*(read(*created) for created in acknowledged.items()))
    return [answer for answer in answers if answer is not None]


async def _listed(client: httpx.AsyncClient, path: str) -> list[str]:
    """Every id the API's list shows, page after page."""
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [person["id"] for person in page["data"]]
        if page["next_cursor"] is None:
            return ids
        params["cursor"] = page["next_cursor"]


async def fetch(scratch: Scratch, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one statement (none for a command) run on the database directly, behind
    the API's back; each on its own, so that one failing leaves the next unaffected."""
    engine = create_async_engine(scratch.url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def integrity_problems(scratch: Scratch) -> list[str]:
    """What the database's own checker finds wrong: SQLite's integrity and foreign key checks,
    PostgreSQL's amcheck on every btree index (with the heap each indexes) and every table."""
    if scratch.dialect == "sqlite":
        checked = await fetch(scratch, "PRAGMA integrity_check")
        assert checked, "PRAGMA integrity_check answered nothing"
        problems = [str(row[0]) for row in checked if row != ("ok",)]
        dangling = await fetch(scratch, "PRAGMA foreign_key_check")
        return problems + [f"foreign key: {row}" for row in dangling]
    return await _amcheck_problems(scratch)


_PUBLIC_BTREES = """
SELECT c.relname, bt_index_check(index => c.oid, heapallindexed => true)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am am ON am.oid = c.relam
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND am.amname = 'btree'
"""

_PUBLIC_HEAPS = """
SELECT c.relname, v.blkno, v.offnum, v.attnum, v.msg
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace,
LATERAL verify_heapam(relation => c.oid, check_toast => true) v
WHERE n.nspname = 'public' AND c.relkind = 'r'
"""


async def _amcheck_problems(scratch: Scratch) -> list[str]:
    available = await fetch(scratch, "SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'")
    if not available:
        warnings.warn(
            "amcheck is not available on this PostgreSQL server: the indexes and tables of "
            "the crash test's database were not checked (only what the API reads back was)",
            stacklevel=2,
        )
        return []
    await fetch(scratch, "CREATE EXTENSION IF NOT EXISTS amcheck")
    problems = []
    try:
        checked = await fetch(scratch, _PUBLIC_BTREES)
        # Sanity: the check ran over the schema's indexes (people's among them).
        assert any(name == "pk_people" for name, _ in checked), checked
    except DBAPIError as error:
        problems.append(f"bt_index_check: {error.orig}")
    has_heap_check = await fetch(scratch, "SELECT 1 FROM pg_proc WHERE proname = 'verify_heapam'")
    if has_heap_check:
        problems += [f"verify_heapam: {row}" for row in await fetch(scratch, _PUBLIC_HEAPS)]
    else:
        warnings.warn("this amcheck has no verify_heapam: tables not checked", stacklevel=2)
    return problems
