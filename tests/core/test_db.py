"""The executor returns the same rows and Python types on SQLite and PostgreSQL, and keeps
transactions whole."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Integer, bindparam, delete, func, insert, select, text, update

from app.api_keys.models import api_keys
from app.core import ids
from app.core.db import ConstraintViolation, Database, PgStatements
from app.core.errors import Conflict
from app.people import service as people_service
from app.people.models import people
from app.people.schemas import PersonCreate
from app.workspaces.models import workspaces


def _workspace(name: str, at: datetime) -> dict[str, object]:
    return {"id": ids.new_id("wsp"), "name": name, "created_at": at, "updated_at": at}


async def test_round_trip_keeps_types(database: Database) -> None:
    at = datetime(2026, 11, 23, 9, 30, 0, 123456, tzinfo=UTC)
    values = _workspace("Types", at)
    async with database.transaction() as db:
        await db.execute(insert(workspaces).values(**values))
        key_id = ids.new_id("key")
        await db.execute(
            insert(api_keys).values(
                id=key_id,
                workspace_id=values["id"],
                name="k",
                prefix="rk_live_abcd",
                last_four="wxyz",
                secret_hash=ids.new_id("key"),
                scopes=["people:read", "x:y"],
                created_at=at,
                updated_at=at,
                expires_at=at + timedelta(days=1),
            )
        )
    row = await database.reader().one(select(*api_keys.c).where(api_keys.c.id == key_id))
    assert row["scopes"] == ["people:read", "x:y"]
    assert row["created_at"] == at
    assert row["created_at"].tzinfo is not None
    assert row["created_at"].utcoffset() == timedelta(0)
    assert row["expires_at"] == at + timedelta(days=1)
    assert row["revoked_at"] is None
    assert isinstance(row["id"], str)


async def test_offsets_are_stored_as_the_same_instant(database: Database) -> None:
    paris = datetime(2026, 6, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    values = _workspace("Offsets", paris)
    async with database.transaction() as db:
        row = await db.one(insert(workspaces).values(**values).returning(workspaces.c.created_at))
    assert row["created_at"] == paris
    assert row["created_at"].utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    values = _workspace("Naive", datetime(2026, 1, 1))  # naive, which is the point
    with pytest.raises(Exception, match="naive"):
        async with database.transaction() as db:
            await db.execute(insert(workspaces).values(**values))


async def test_statement_shapes_are_reused_with_new_values(database: Database) -> None:
    at = datetime.now(UTC)
    first, second = _workspace("Shape A", at), _workspace("Shape B", at)
    async with database.transaction() as db:
        for values in (first, second):
            await db.execute(insert(workspaces).values(**values))
    reader = database.reader()
    for values in (first, second):
        found = await reader.scalar(
            select(workspaces.c.name).where(workspaces.c.id == values["id"])
        )
        assert found == values["name"]
    by_param = select(workspaces.c.name).where(workspaces.c.id == bindparam("wid"))
    assert await reader.scalar(by_param, {"wid": second["id"]}) == "Shape B"
    assert await reader.scalar(by_param, {"wid": first["id"]}) == "Shape A"


def test_postgresql_binding_reuses_a_statement_object_with_each_call_s_values() -> None:
    """The executor remembers a statement object's compiled form (its cache key is costly):
    the same object takes new bind values, and another object of the same shape keeps its own
    literal values, also after the remembered objects were forgotten."""
    statements = PgStatements()
    by_param = select(workspaces.c.name).where(workspaces.c.id == bindparam("wid"))
    first_sql, first_args, returns_rows = statements.bind(by_param, {"wid": "wsp_a"})
    again_sql, again_args, _ = statements.bind(by_param, {"wid": "wsp_b"})
    assert returns_rows
    assert first_sql == again_sql
    assert first_args == ["wsp_a"]
    assert again_args == ["wsp_b"]
    alive = []
    for round_ in range(3):
        # More distinct live objects than it remembers: each keeps its own literal.
        for n in range(PgStatements._SAME_MAX + 7):
            literal = select(workspaces.c.name).where(workspaces.c.name == f"name {round_} {n}")
            alive.append(literal)
            sql, args, _ = statements.bind(literal, None)
            assert args == [f"name {round_} {n}"]
            assert sql == statements.bind(literal, None)[0]
        assert len(statements._same) <= PgStatements._SAME_MAX
    assert statements.bind(by_param, {"wid": "wsp_c"})[1] == ["wsp_c"]
    # A statement built for one call is not kept alive by the memory.
    kept = len(statements._same)
    statements.bind(select(workspaces.c.name).where(workspaces.c.name == "once"), None)
    assert len(statements._same) == kept


def test_postgresql_binding_takes_the_callers_values_as_sqlalchemy_would() -> None:
    """Values the caller passes for every parameter are bound without `construct_params`; the
    arguments are the ones it would build (bind processors applied, a caller's value winning
    over a parameter's own), and a statement missing some, or with anonymous literals, is
    bound by SQLAlchemy's own path."""
    statements = PgStatements()
    at = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    insert_one = insert(workspaces).values(
        id=bindparam("id"),
        name=bindparam("name", value="default name"),
        created_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
    prepared = statements._prepare(insert_one)[0]
    assert prepared.direct
    full = {"id": "wsp_x", "name": "Given", "at": at}
    _, args, returns_rows = statements.bind(insert_one, full)
    expected = prepared.compiled.construct_params(full, escape_names=False)
    processors = prepared.processors
    assert args == [
        processors[n](expected[n]) if n in processors else expected[n] for n in prepared.positions
    ]
    assert args[prepared.positions.index("at")] == at.astimezone(UTC)
    assert not returns_rows
    # Without "name": the parameter's own value, through SQLAlchemy's path.
    _, partial, _ = statements.bind(insert_one, {"id": "wsp_y", "at": at})
    assert partial[prepared.positions.index("name")] == "default name"
    assert partial[prepared.positions.index("id")] == "wsp_y"
    # Anonymous literals (here the name) go through SQLAlchemy's path.
    literal = select(workspaces.c.id).where(workspaces.c.name == "literal")
    assert not statements._prepare(literal)[0].direct
    assert statements.bind(literal, None)[1] == ["literal"]


def test_postgresql_limits_are_written_into_the_sql() -> None:
    """LIMIT and OFFSET are part of the SQL text, so PostgreSQL can keep one plan for a
    prepared statement; each limit is its own text, and other values stay bound."""
    statements = PgStatements()
    page = (
        select(workspaces.c.id)
        .where(workspaces.c.name == bindparam("name"))
        .order_by(workspaces.c.id)
        .limit(bindparam("page_limit", type_=Integer()))
    )
    for limit in (21, 6, 21):
        sql, args, _ = statements.bind(page, {"name": "n", "page_limit": limit})
        assert sql.endswith(f"LIMIT {limit}")
        assert args == ["n"]
    # A constant limit and an offset, beside an expanded IN list.
    listed = select(workspaces.c.id).where(workspaces.c.id.in_(["a", "b"])).limit(3).offset(4)
    sql, args, _ = statements.bind(listed, None)
    assert "LIMIT 3 OFFSET 4" in sql
    assert args == ["a", "b"]
    # Another object of the same shape brings its own constants.
    other = select(workspaces.c.id).where(workspaces.c.id.in_(["c"])).limit(7).offset(0)
    sql, args, _ = statements.bind(other, None)
    assert "LIMIT 7 OFFSET 0" in sql
    assert args == ["c"]
    again = select(workspaces.c.id).where(workspaces.c.name == "x").limit(1)
    assert statements.bind(again, None)[0].endswith("LIMIT 1")
    assert statements.bind(again.limit(2), None)[0].endswith("LIMIT 2")


async def test_a_transaction_begins_with_its_first_statement(database: Database) -> None:
    with pytest.raises(Conflict):
        async with database.transaction() as db:
            raise Conflict("refused before touching the database")
    assert not db.began

    # A write that raises after its statements undoes all of them, its first one too.
    at = datetime.now(UTC)
    first, second = _workspace("First", at), _workspace("Second", at)
    with pytest.raises(Conflict):
        async with database.transaction() as db:
            await db.execute(insert(workspaces).values(**first))
            assert db.began
            await db.execute(insert(workspaces).values(**second))
            raise Conflict("undo both")
    found = select(workspaces.c.name).where(workspaces.c.id == bindparam("wid"))
    for values in (first, second):
        assert await database.reader().scalar(found, {"wid": values["id"]}) is None


async def test_a_person_created_first_in_a_transaction_is_undone_with_it(
    database: Database,
) -> None:
    """A person's insert used to run outside the transaction when it came first (`last=`):
    committed at once, it stayed when the caller went on and then failed."""
    home = _workspace("Home", datetime.now(UTC))
    async with database.transaction() as db:
        await db.execute(insert(workspaces).values(**home))
    with pytest.raises(Conflict):
        async with database.transaction() as db:
            person = await people_service.create_person(
                db, workspace_id=str(home["id"]), body=PersonCreate(given_name="Undone")
            )
            by_id = select(people.c.given_name).where(people.c.id == person["id"])
            assert await db.scalar(by_id) == "Undone"
            raise Conflict("the rest of the request failed")
    assert await database.reader().scalar(by_id) is None


async def test_text_statements_return_their_rows(database: Database) -> None:
    """A `text()` statement without `.columns()` says nothing of its result: read for rows it
    gives them, run for its effect it gives the count, on both databases."""
    reader = database.reader()
    assert await reader.all(text("SELECT 1 AS one, 'two' AS two")) == [{"one": 1, "two": "two"}]
    assert await reader.scalar(text("SELECT 41 + 1")) == 42
    values = _workspace("Text", datetime.now(UTC))
    async with database.transaction() as db:
        await db.execute(insert(workspaces).values(**values))
        renamed = text("UPDATE workspaces SET name = :name WHERE id = :id")
        assert await db.execute(renamed, {"name": "Renamed", "id": values["id"]}) == 1
    found = select(workspaces.c.name).where(workspaces.c.id == values["id"])
    assert await reader.scalar(found) == "Renamed"


async def test_in_lists_expand(database: Database) -> None:
    at = datetime.now(UTC)
    rows = [_workspace(f"In {n}", at) for n in range(3)]
    async with database.transaction() as db:
        for values in rows:
            await db.execute(insert(workspaces).values(**values))
    wanted = [rows[0]["id"], rows[2]["id"]]
    for size in (wanted, wanted[:1]):
        found = await database.reader().all(
            select(workspaces.c.id).where(workspaces.c.id.in_(size)).order_by(workspaces.c.id)
        )
        assert [r["id"] for r in found] == size


async def test_rowcount_of_updates_and_deletes(database: Database) -> None:
    values = _workspace("Counted", datetime.now(UTC))
    async with database.transaction() as db:
        await db.execute(insert(workspaces).values(**values))
        assert (
            await db.execute(
                update(workspaces).where(workspaces.c.id == values["id"]).values(name="Renamed")
            )
            == 1
        )
        assert await db.execute(delete(workspaces).where(workspaces.c.id == "wsp_missing")) == 0


async def test_a_failed_transaction_leaves_nothing(database: Database) -> None:
    values = _workspace("Rolled back", datetime.now(UTC))
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await db.execute(insert(workspaces).values(**values))
            raise RuntimeError("fail after the insert")
    found = await database.reader().first(
        select(workspaces.c.id).where(workspaces.c.id == values["id"])
    )
    assert found is None


async def test_problems_marked_keep_changes_commit_first(database: Database) -> None:
    values = _workspace("Kept", datetime.now(UTC))
    with pytest.raises(Conflict):
        async with database.transaction() as db:
            await db.execute(insert(workspaces).values(**values))
            raise Conflict("recorded, then refused", keep_changes=True)
    found = await database.reader().first(
        select(workspaces.c.id).where(workspaces.c.id == values["id"])
    )
    assert found is not None


async def test_constraint_violations_become_conflicts(database: Database) -> None:
    values = _workspace("Twice", datetime.now(UTC))
    async with database.transaction() as db:
        await db.execute(insert(workspaces).values(**values))
    with pytest.raises(ConstraintViolation):
        async with database.transaction() as db:
            await db.execute(insert(workspaces).values(**values))


async def test_connections_carry_the_session_settings(database: Database) -> None:
    """PostgreSQL: JIT off (it compiled the stats statement for 200 ms on every call).
    SQLite: WAL and foreign keys, as the embedded default promises. Each connection of the pool,
    not only the first, so several are held at once."""
    if database.dialect_name == "postgresql":
        assert database.pool is not None
        async with database.pool.connection() as first, database.pool.connection() as second:
            for conn in (first, second):
                assert await conn.fetchval("SELECT current_setting('jit')") == "off"
        # Still off once connections have gone back to the pool and come out again.
        assert await database.reader().scalar(select(func.current_setting("jit"))) == "off"
    else:
        assert await database.reader().scalar(text("PRAGMA journal_mode")) == "wal"
        assert await database.reader().scalar(text("PRAGMA foreign_keys")) == 1


async def _cancelled_midway(coroutine: Coroutine[Any, Any, Any]) -> None:
    task = asyncio.ensure_future(coroutine)
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_interrupted_statement_commits_nothing_and_its_connection_goes(
    database: Database,
) -> None:
    """A request cancelled while PostgreSQL runs its statement (a client gone, a shutdown)
    leaves its connection in an unknown state: the pool drops it instead of lending it again,
    and the transaction it was in commits nothing. A PostgreSQL error leaves it usable."""
    values = _workspace("Cut short", datetime.now(UTC))
    found = select(workspaces.c.id).where(workspaces.c.id == values["id"])
    if database.dialect_name != "postgresql":
        # SQLite: a write cancelled inside its transaction commits nothing either.
        started = asyncio.Event()

        async def cut_short() -> None:
            async with database.transaction() as db:
                await db.execute(insert(workspaces).values(**values))
                started.set()
                await asyncio.sleep(10)

        await _cancelled_midway(cut_short())
        assert started.is_set()
        assert await database.reader().first(found) is None
        return
    pool = database.pool
    assert pool is not None
    sleep = text("SELECT pg_sleep(2)")
    before = pool.size
    await _cancelled_midway(database.reader().scalar(sleep))
    assert pool.size == before - 1

    async def write() -> None:
        async with database.transaction() as db:
            await db.execute(insert(workspaces).values(**values))
            await db.execute(sleep)

    before = pool.size
    await _cancelled_midway(write())
    assert pool.size == before - 1
    assert await database.reader().first(found) is None

    # PostgreSQL's own errors leave the connection as it was: it is lent again.
    async with database.transaction() as db:
        await db.execute(insert(workspaces).values(**values))
    before, idle = pool.size, pool.idle
    with pytest.raises(ConstraintViolation):
        await database.reader().execute(insert(workspaces).values(**values))
    with pytest.raises(ConstraintViolation):
        async with database.transaction() as db:
            await db.execute(insert(workspaces).values(**values))
    assert (pool.size, pool.idle) == (before, idle)
    assert await database.reader().first(found) is not None
