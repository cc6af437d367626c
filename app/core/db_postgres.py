"""The PostgreSQL executor: statements compiled once per shape (app/core/pg_statements.py) and
run on asyncpg connections from Rapport's pool (app/core/pgpool.py), a dead connection retried
or answered with 503, and the transaction and snapshot blocks (app/core/db.py says why
SQLAlchemy's execution layer is not used here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import asyncpg
import orjson
from sqlalchemy.engine import URL
from sqlalchemy.sql import ClauseElement

from app.core.db_base import (
    ConstraintViolation,
    Db,
    Params,
    ReadOnlyViolation,
    end_transaction,
    is_select,
    keeps_changes,
    not_connected,
    run_callbacks,
)
from app.core.errors import (
    DatabaseBusy,
    DatabaseTimeout,
    DatabaseUnavailable,
    ValidationFailed,
)
from app.core.pg_statements import PgStatements
from app.core.pgpool import ConnectionPool, PoolTimeout, PoolUnavailable

if TYPE_CHECKING:
    from app.core.db import Database

PgPool = ConnectionPool[asyncpg.Connection]


async def _run_pg(
    conn: asyncpg.Connection,
    statements: PgStatements,
    stmt: ClauseElement,
    params: Params | None,
    raw: bool = False,
    rows: bool = True,
) -> tuple[Sequence[Mapping[str, Any]], int]:
    sql, args, returns_rows = statements.bind(stmt, params)
    if rows or returns_rows:
        records = await conn.fetch(sql, *args)
        if raw or not records:
            # asyncpg's records are read-only mappings (name lookup, get, keys, items).
            return cast(Sequence[Mapping[str, Any]], records), len(records)
        # Records iterate as tuples; zipping them with the names once read is a fifth
        # cheaper than dict(record), which looks each name up (issue 11).
        names = tuple(records[0].keys())
        return [dict(zip(names, r, strict=True)) for r in records], len(records)
    status = await conn.execute(sql, *args)
    tail = status.rsplit(" ", 1)[-1]
    return [], int(tail) if tail.isdigit() else 0


class PgDb(Db):
    """A reader takes a pooled connection for each statement; a transaction's handle runs
    on the connection it holds. A handle serves one task at a time (a request's), as its
    `broken` flag assumes."""

    dialect_name = "postgresql"

    def __init__(
        self, database: Database, pool: PgPool, conn: asyncpg.Connection | None = None
    ) -> None:
        self._database = database
        self._pool = pool
        self._conn = conn
        self._after_commit = None if conn is None else []
        # A statement was interrupted other than by PostgreSQL: the connection is not reused.
        self.broken = False

    async def _run(
        self, stmt: ClauseElement, params: Params | None, raw: bool = False, rows: bool = True
    ) -> tuple[Sequence[Mapping[str, Any]], int]:
        self._database.statement_count += 1
        statements = self._database.pg_statements
        if statements is None:
            raise not_connected()
        if self._conn is not None:
            try:
                return await self._on(self._conn, statements, stmt, params, raw, rows)
            except _Lost as lost:
                # Inside a transaction nothing can be retried: PostgreSQL rolled it back.
                raise DatabaseUnavailable() from lost.__cause__
        pool = self._pool
        conn = await _acquire(pool)
        try:
            return await self._on(conn, statements, stmt, params, raw, rows)
        except _Lost as lost:
            # A read is run once more, on a new connection. A write on its own may have
            # committed before its answer was lost: it is not repeated.
            if not is_select(stmt):
                raise DatabaseUnavailable(_UNKNOWN_OUTCOME) from lost.__cause__
        finally:
            pool.release(conn, reusable=not self.broken)
        pool.suspect_idle()
        conn = await _acquire(pool, fresh=True)
        try:
            return await self._on(conn, statements, stmt, params, raw, rows)
        except _Lost as lost:
            raise DatabaseUnavailable() from lost.__cause__
        finally:
            pool.release(conn, reusable=not self.broken)

    async def _on(
        self,
        conn: asyncpg.Connection,
        statements: PgStatements,
        stmt: ClauseElement,
        params: Params | None,
        raw: bool,
        rows: bool,
    ) -> tuple[Sequence[Mapping[str, Any]], int]:
        """Run the statement on `conn`; `broken` stays set if anything but PostgreSQL's own
        answer interrupts it. A connection lost on the way raises `_Lost`."""
        self.broken = True
        try:
            result = await _run_pg(conn, statements, stmt, params, raw, rows)
        except asyncpg.PostgresError as exc:
            if _is_lost(conn, exc):
                raise _Lost() from exc
            # PostgreSQL answered: the connection is as sound as before the statement.
            self.broken = False
            _raise_answer(exc)
            raise
        except _CLIENT_SIDE as exc:
            if _is_lost(conn, exc):
                raise _Lost() from exc
            raise
        self.broken = False
        return result


_UNKNOWN_OUTCOME = (
    "The connection to the database was lost before it confirmed the change: it may or may "
    "not have been saved. Read it back before retrying."
)


class _Lost(Exception):
    """The connection went away under a statement (the cause is chained): the statement had
    no effect unless it was a COMMIT."""


# PostgreSQL ended the session (terminated, shutting down, crashed, not yet accepting), the
# socket is gone, or asyncpg found its protocol in a state it cannot go on from (a server's
# goodbye read while idle): the connection is dead, whatever the statement was.
_LOST = (
    OSError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)


# What a statement may raise but PostgreSQL's own answer: the socket's or asyncpg's errors.
_CLIENT_SIDE = (OSError, asyncpg.InterfaceError, asyncpg.InternalClientError)


_ANY_FAILURE = (asyncpg.PostgresError, *_CLIENT_SIDE)


def _is_lost(conn: asyncpg.Connection, exc: BaseException) -> bool:
    return isinstance(exc, _LOST) or conn.is_closed()


def _raise_answer(exc: asyncpg.PostgresError) -> None:
    """PostgreSQL's own refusals that are the client's input or a limit, as problems."""
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        raise ConstraintViolation(getattr(exc, "constraint_name", None)) from exc
    if isinstance(exc, asyncpg.CharacterNotInRepertoireError):
        # Text PostgreSQL cannot store (U+0000) that no schema validated: the input.
        raise ValidationFailed("Text may not contain the NUL character (U+0000).") from exc
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
        raise ReadOnlyViolation("A snapshot is read-only.") from exc
    if isinstance(exc, asyncpg.QueryCanceledError):
        # statement_timeout (RAPPORT_DB_STATEMENT_TIMEOUT_MS): Rapport cancels nothing else
        # (a cancelled task drops its connection instead).
        raise DatabaseTimeout() from exc


async def _acquire(pool: PgPool, *, fresh: bool = False) -> asyncpg.Connection:
    """A pooled connection, or the problem a client is told when there is none."""
    try:
        return await pool.acquire(fresh=fresh)
    except PoolTimeout as exc:
        raise DatabaseBusy() from exc
    except PoolUnavailable as exc:
        raise DatabaseUnavailable() from exc


async def _init_pg_connection(conn: asyncpg.Connection) -> None:
    # JSON travels as text that SQLAlchemy's bind processors already serialised.
    await conn.set_type_codec(
        "json", encoder=str, decoder=orjson.loads, schema="pg_catalog", format="text"
    )
    await conn.set_type_codec(
        "jsonb", encoder=str, decoder=orjson.loads, schema="pg_catalog", format="text"
    )


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """How the PostgreSQL pool treats its connections (settings `RAPPORT_DB_*`, docs/deploy.md).
    Seconds, but for the statement timeout."""

    # Waiting for a connection when all are in use, before 503 `database_busy`.
    acquire_timeout: float = 5.0
    # Opening one connection (TCP, TLS, authentication), before 503 `database_unavailable`.
    connect_timeout: float = 5.0
    # An idle connection unused this long is checked (`SELECT 1`) before it is lent.
    check_after_idle: float = 5.0
    max_lifetime: float = 3_600.0
    idle_timeout: float = 300.0
    # After a failed connection attempt, every request answers 503 at once for this long.
    retry_interval: float = 1.0
    # PostgreSQL cancels a statement running longer (503 `database_timeout`); 0: no limit.
    statement_timeout_ms: int = 30_000
    # PgBouncer in transaction mode in front: no prepared-statement cache and no session
    # settings sent at connection (PgBouncer 1.18 refuses them; set them on the role).
    pgbouncer: bool = False


def open_pool(url: URL, size: int, options: PoolOptions) -> PgPool:
    """The pool of asyncpg connections to `url`, with `options`."""
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    server_settings: dict[str, str] = {}
    if not options.pgbouncer:
        # PostgreSQL's JIT compiles any plan above jit_above_cost: the stats statement
        # (13 ms of work) spent 200 ms compiling on every call. Short OLTP statements
        # never gain from it.
        server_settings["jit"] = "off"
        server_settings["statement_timeout"] = str(options.statement_timeout_ms)
    # Behind PgBouncer's transaction mode a prepared statement may be looked for on
    # another server connection: asyncpg then prepares each statement unnamed.
    cache_size = 0 if options.pgbouncer else 100

    async def connect() -> asyncpg.Connection:
        conn = await asyncpg.connect(
            dsn,
            server_settings=server_settings,
            timeout=options.connect_timeout,
            statement_cache_size=cache_size,
        )
        try:
            await _init_pg_connection(conn)
        except BaseException:
            conn.terminate()
            raise
        return conn

    async def check(conn: asyncpg.Connection) -> None:
        await conn.execute("SELECT 1", timeout=options.connect_timeout)

    async def reset(conn: asyncpg.Connection) -> None:
        await conn.reset(timeout=options.connect_timeout)

    return ConnectionPool(
        connect,
        max_size=size,
        check=check,
        reset=reset,
        acquire_timeout=options.acquire_timeout,
        check_after=options.check_after_idle,
        max_lifetime=options.max_lifetime,
        idle_timeout=options.idle_timeout,
        retry_interval=options.retry_interval,
    )


_BEGIN_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


class PgTransaction:
    """`Database.transaction` and `Database.snapshot` on PostgreSQL: a pooled connection for
    the block, its commit or rollback, then the callbacks. A plain class rather than nested
    generator-based context managers: those layers cost a write about as much as validating
    its body (issue 11)."""

    __slots__ = ("_begin", "_conn", "_database", "_handle", "_pool", "_snapshot")

    def __init__(self, database: Database, pool: PgPool, *, snapshot: bool = False) -> None:
        self._database = database
        self._pool = pool
        self._snapshot = snapshot
        # A snapshot: one snapshot taken at the first statement, and PostgreSQL refuses writes.
        # Sent as text rather than through asyncpg's `Transaction`, whose bookkeeping (nested
        # blocks, savepoints) Rapport does not use.
        self._begin = _BEGIN_SNAPSHOT if snapshot else "BEGIN"

    async def __aenter__(self) -> Db:
        conn = await _acquire(self._pool)
        self._conn: asyncpg.Connection | None = conn
        handle = self._handle = PgDb(self._database, self._pool, conn)
        handle._begin = self._start
        return handle

    async def _start(self) -> None:
        """BEGIN, sent before the block's first statement. A connection found dead here has
        done nothing for this transaction: it is replaced by a new one, once."""
        handle, conn = self._handle, self._conn
        if conn is None:
            raise not_connected()
        # Until BEGIN is answered the protocol's state is unknown (a cancellation, say).
        handle.broken = True
        try:
            await conn.execute(self._begin)
        except _ANY_FAILURE as exc:
            if not _is_lost(conn, exc):
                handle.broken = False
                raise
        else:
            handle.broken = False
            return
        pool = self._pool
        pool.release(conn, reusable=False)
        pool.suspect_idle()
        self._conn = None
        conn = self._conn = handle._conn = await _acquire(pool, fresh=True)
        try:
            await conn.execute(self._begin)
        except _ANY_FAILURE as exc:
            if _is_lost(conn, exc):
                raise DatabaseUnavailable() from exc
            handle.broken = False
            raise
        handle.broken = False

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        handle, conn = self._handle, self._conn
        if conn is None:
            # BEGIN's retry found no connection: nothing to end or give back.
            return
        if handle.broken:
            # A statement was cut short (cancelled, the socket failed): the connection is
            # dropped, which ends its transaction on the server; nothing is committed.
            self._pool.release(conn, reusable=False)
            return
        ended = False
        try:
            await end_transaction(
                handle, exc, lambda: conn.execute("COMMIT"), lambda: conn.execute("ROLLBACK")
            )
            ended = True
        except _ANY_FAILURE as end_exc:
            if not _is_lost(conn, end_exc):
                if isinstance(end_exc, asyncpg.PostgresError):
                    _raise_answer(end_exc)
                raise
            if exc is not None and not keeps_changes(exc):
                # The rollback found the connection gone, which rolled the transaction back
                # anyway: the block's own error is the answer.
                return
            raise DatabaseUnavailable(None if self._snapshot else _UNKNOWN_OUTCOME) from end_exc
        finally:
            # A connection whose commit or rollback did not finish is not reused (the pool
            # also refuses one still in a transaction).
            self._pool.release(conn, reusable=ended)
        if exc is None:
            run_callbacks(handle)
