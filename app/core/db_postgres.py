"""The PostgreSQL executor: statements compiled once per shape and run on asyncpg connections
from Rapport's pool (app/core/pgpool.py), a dead connection retried or answered with 503, and
the transaction and snapshot blocks (app/core/db.py says why SQLAlchemy's execution layer is not
used here)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import asyncpg
import orjson
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.asyncpg import PGCompiler_asyncpg
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, TextClause

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
from app.core.pgpool import ConnectionPool, PoolTimeout, PoolUnavailable

if TYPE_CHECKING:
    from app.core.db import Database

PgPool = ConnectionPool[asyncpg.Connection]


class _PgCompiler(PGCompiler_asyncpg):
    """LIMIT and OFFSET written into the SQL text rather than bound.

    asyncpg prepares every statement. With `LIMIT $n`, PostgreSQL's generic plan must guess the
    limit, costs itself above the custom plans of the first five runs, and so it plans the
    statement again on every execution: that planning was two thirds of PostgreSQL's CPU for an
    interview page (0.8 of 1.25 ms; a people page: 0.12 of 0.3 ms). With the limit in the text, the
    generic plan is the custom plan and PostgreSQL keeps it. Each limit used is one more
    prepared statement per connection (asyncpg's statement cache holds 100; pages take 1-100).
    """

    def limit_clause(self, select: Any, **kw: Any) -> str:
        clause = super().limit_clause(select, **{**kw, "literal_execute": True})  # type: ignore[no-untyped-call]
        return cast(str, clause)


@dataclass(slots=True, frozen=True)
class _Prepared:
    compiled: SQLCompiler
    sql: str
    positions: tuple[str, ...]
    processors: Mapping[str, Callable[[Any], Any]]
    # Values written into the SQL at execution (`literal_execute`, such as LIMIT)...
    literal: tuple[str, ...]
    # ... or expanded there (`IN` lists): the SQL differs per call.
    expanding: bool
    returns_rows: bool
    # Every parameter is named as the caller names it (no literal or expanding ones): when the
    # caller passes them all, their values need no `construct_params`.
    direct: bool
    # The SQL per tuple of `literal` values, for statements with no `expanding` parameter.
    rendered: dict[tuple[Any, ...], tuple[str, tuple[str, ...], Mapping[str, Any]]]


_Extracted = Sequence[BindParameter[Any]] | None


# What would outlive its statement on a pooled connection: session settings (SET without
# LOCAL, set_config(..., false)), notifications, session advisory locks, prepared statements
# and cursors by name, loaded libraries. (Rapport's Core statements are none of these.)
_SESSION_STATEMENT = re.compile(
    r"^\s*(?:SET\s+(?!LOCAL\b)|RESET\b|DISCARD\b|LISTEN\b|UNLISTEN\b|PREPARE\b"
    r"|DEALLOCATE\b|DECLARE\b|LOAD\b)|pg_advisory_lock|pg_advisory_lock_shared"
    r"|set_config\s*\([^)]*,\s*false\s*\)",
    re.IGNORECASE,
)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


class PgStatements:
    """Compiles each statement shape once for asyncpg and binds values per call."""

    _MAX = 4_096
    _SAME_MAX = 512
    _RENDERED_MAX = 128

    def __init__(self) -> None:
        # JSON values are written by orjson (the standard library's encoder was a percent of a
        # person create); PostgreSQL's jsonb stores them the same either way.
        self.dialect: Dialect = postgresql.asyncpg.dialect(  # type: ignore[no-untyped-call]
            json_serializer=_json_text
        )
        self._cache: dict[Any, _Prepared] = {}
        # The same statement object seen again (module-level statements, list statements
        # cached per shape): SQLAlchemy's cache key of a select costs ~65 µs to compute, a
        # tenth of a one-person read, and is the same every time for the same object. Entries
        # hold their statement weakly and leave when it is freed: a statement built for one
        # request (the stats endpoint's are large) is not kept alive by this map.
        self._same: dict[int, tuple[weakref.ref[ClauseElement], _Prepared, _Extracted]] = {}

    def _compile(self, stmt: ClauseElement, cache_key: CacheKey | None) -> _Prepared:
        if isinstance(stmt, TextClause) and _SESSION_STATEMENT.search(stmt.text):
            # The pool lends connections without resetting them (docs/architecture.md): a
            # statement that changed the session would leak into another request's.
            raise TypeError(f"a statement that changes the session is not run: {stmt.text!r}")
        # Compiled against the cache key, so later statements of the same shape reuse it with
        # their own literal values (what SQLAlchemy's own compiled cache does).
        compiled = _PgCompiler(self.dialect, stmt, cache_key=cache_key)
        # Python-side column defaults would need SQLAlchemy's execution context: services pass
        # every value explicitly instead.
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise TypeError(f"a Python-side column default needs a value passed instead: {stmt}")
        literal = tuple(sorted(compiled.bind_names[p] for p in compiled.literal_execute_params))
        expanding = bool(compiled.post_compile_params)
        return _Prepared(
            compiled=compiled,
            sql=compiled.string,
            positions=tuple(compiled.positiontup or ()),
            processors=cast(Mapping[str, Callable[[Any], Any]], compiled._bind_processors),
            literal=literal,
            expanding=expanding,
            returns_rows=bool(compiled._result_columns),
            direct=not literal
            and not expanding
            and all(bind.key == name for bind, name in compiled.bind_names.items()),
            rendered={},
        )

    def _prepare(self, stmt: ClauseElement) -> tuple[_Prepared, _Extracted]:
        cache_key = stmt._generate_cache_key()
        if cache_key is None:
            return self._compile(stmt, None), None
        found = self._cache.get(cache_key.key)
        if found is None:
            if len(self._cache) >= self._MAX:
                self._cache.clear()
            found = self._cache[cache_key.key] = self._compile(stmt, cache_key)
        return found, cache_key.bindparams

    def bind(self, stmt: ClauseElement, params: Params | None) -> tuple[str, list[Any], bool]:
        key = id(stmt)
        same = self._same.get(key)
        if same is not None and same[0]() is stmt:
            prepared, extracted = same[1], same[2]
        else:
            prepared, extracted = self._prepare(stmt)
            if len(self._same) >= self._SAME_MAX:
                self._same.clear()
            memory = self._same

            def forget(_: object, key: int = key) -> None:
                memory.pop(key, None)

            self._same[key] = (weakref.ref(stmt, forget), prepared, extracted)
        sql, positions, processors = prepared.sql, prepared.positions, prepared.processors
        if prepared.direct and params is not None and all(name in params for name in positions):
            # What `construct_params` would take: a value the caller passes wins over the
            # statement's own (a third of binding a 25-column insert).
            return (
                sql,
                [
                    processors[name](params[name]) if name in processors else params[name]
                    for name in positions
                ],
                prepared.returns_rows,
            )
        values: Mapping[str, Any] = prepared.compiled.construct_params(
            params, extracted_parameters=extracted, escape_names=False
        )
        if prepared.expanding or prepared.literal:
            literal = tuple(values[name] for name in prepared.literal)
            rendered = None if prepared.expanding else prepared.rendered.get(literal)
            if rendered is None:
                expanded = prepared.compiled._process_parameters_for_postcompile(dict(values))
                rendered = (
                    expanded.statement,
                    tuple(expanded.positiontup or ()),
                    {**processors, **expanded.processors},
                )
                if not prepared.expanding and len(prepared.rendered) < self._RENDERED_MAX:
                    prepared.rendered[literal] = rendered
                values = expanded.parameters
            sql, positions, processors = rendered
        args = [
            processors[name](values[name]) if name in processors else values[name]
            for name in positions
        ]
        return sql, args, prepared.returns_rows


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

    async def _commit(self) -> None:
        if self._conn is not None:
            await self._conn.execute("COMMIT")

    async def _rollback(self) -> None:
        if self._conn is not None:
            await self._conn.execute("ROLLBACK")

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
            await end_transaction(handle, exc, self._commit, self._rollback)
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
