"""The SQLite executor: SQLAlchemy's own async execution on aiosqlite, WAL and foreign keys on
every connection, BEGIN IMMEDIATE for writes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import ClauseElement

from app.core.db_base import (
    ConstraintViolation,
    Db,
    Params,
    ReadOnlyViolation,
    Row,
    end_transaction,
    is_select,
    not_connected,
    run_callbacks,
)

if TYPE_CHECKING:
    from app.core.db import Database


class SqliteDb(Db):
    dialect_name = "sqlite"

    def __init__(
        self, database: Database, conn: AsyncConnection | None, *, read_only: bool = False
    ) -> None:
        self._database = database
        self._conn = conn
        self._after_commit = [] if conn is not None else None
        # A snapshot's handle: SQLite has no read-only transaction, so the handle refuses
        # anything but a select (PostgreSQL refuses writes itself).
        self._read_only = read_only

    async def _run(
        self, stmt: ClauseElement, params: Params | None, raw: bool = False, rows: bool = True
    ) -> tuple[Sequence[Mapping[str, Any]], int]:
        if self._read_only and not is_select(stmt):
            raise ReadOnlyViolation("A snapshot is read-only.")
        self._database.statement_count += 1
        if self._conn is not None:
            return await self._exec(self._conn, stmt, params)
        engine = self._database.engine
        if engine is None:
            raise not_connected()
        async with engine.connect() as conn:
            return await self._exec(conn, stmt, params)

    @staticmethod
    async def _exec(
        conn: AsyncConnection, stmt: ClauseElement, params: Params | None
    ) -> tuple[list[Row], int]:
        try:
            result = await conn.execute(stmt, dict(params) if params else None)  # type: ignore[call-overload]
        except sqlalchemy.exc.IntegrityError as exc:
            raise ConstraintViolation(None) from exc
        if result.returns_rows:
            rows = [dict(r._mapping) for r in result.fetchall()]
            return rows, len(rows)
        return [], result.rowcount


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "synchronous=NORMAL",
        "busy_timeout=10000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def open_engine(url: URL) -> AsyncEngine:
    """SQLAlchemy's engine for the SQLite file, each connection with Rapport's pragmas.

    AUTOCOMMIT leaves transaction control to us: writes open BEGIN IMMEDIATE so two writers
    queue on the lock instead of failing to upgrade a read lock. A failed statement's error
    names its SQL but not its values (what a client sent)."""
    engine = create_async_engine(
        url, isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=10, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


@contextlib.asynccontextmanager
async def sqlite_transaction(database: Database, *, snapshot: bool = False) -> AsyncIterator[Db]:
    """`Database.transaction` (BEGIN IMMEDIATE) and `Database.snapshot` (a deferred BEGIN)."""
    if database.engine is None:
        raise not_connected()
    async with database.engine.connect() as sa_conn:
        handle = SqliteDb(database, sa_conn, read_only=snapshot)
        # A deferred BEGIN takes no lock; in WAL mode its first read fixes the snapshot.
        begin = "BEGIN" if snapshot else "BEGIN IMMEDIATE"
        handle._begin = lambda: sa_conn.exec_driver_sql(begin)

        def commit() -> Awaitable[Any]:
            return sa_conn.exec_driver_sql("COMMIT")

        def rollback() -> Awaitable[Any]:
            return sa_conn.exec_driver_sql("ROLLBACK")

        try:
            yield handle
        except BaseException as exc:
            await end_transaction(handle, exc, commit, rollback)
            raise
        await end_transaction(handle, None, commit, rollback)
    run_callbacks(handle)
