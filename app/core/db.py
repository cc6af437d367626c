"""The one executor: every SQL statement Rapport runs goes through `Db`.

Services build SQLAlchemy Core statements and hand them here. On PostgreSQL the compiled
statement runs on an asyncpg connection directly (SQLAlchemy's execution layer costs about a
millisecond of CPU per request, see shared/performance.md); on SQLite SQLAlchemy's own async
execution is kept. Both return plain dicts with the same Python types, which the tests check.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

import asyncpg
import orjson
import sqlalchemy.exc
from sqlalchemy import JSON, DateTime, MetaData, Table, column, event, literal, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.asyncpg import PGCompiler_asyncpg
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, TextClause
from sqlalchemy.sql.selectable import CompoundSelect, Select, TextualSelect
from sqlalchemy.types import TypeDecorator

from app.core.errors import (
    Conflict,
    DatabaseBusy,
    DatabaseTimeout,
    DatabaseUnavailable,
    NotFound,
    ProblemError,
    ValidationFailed,
)
from app.core.pgpool import ConnectionPool, PoolTimeout, PoolUnavailable

if TYPE_CHECKING:
    from app.core.settings import Settings

Row = dict[str, Any]
PgPool = ConnectionPool[asyncpg.Connection]
Params = Mapping[str, Any]

# Constraint names are part of the schema that migrations manage, so they are fixed here.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


def table_of(model: type[Base]) -> Table:
    """A model's Core table, typed for Core statements."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always time-zone aware UTC in Python, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        value = value.astimezone(UTC)
        # SQLite keeps text: store UTC without an offset so that text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def column_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as the tables store them: enum members as their values."""
    return {k: v.value if isinstance(v, Enum) else v for k, v in fields.items()}


class ConstraintViolation(Conflict):
    """A write broke a unique or foreign-key constraint (services check first; this is the net)."""

    code = "conflict"
    default_detail = "The change conflicts with existing data."

    def __init__(self, constraint: str | None) -> None:
        super().__init__()
        self.constraint = constraint


class ReadOnlyViolation(RuntimeError):
    """A write through a snapshot's handle: a programming error, and nothing was changed."""


def dialect_insert(dialect_name: str, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on the given database (both dialects spell it alike)."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table)


class Db(ABC):
    """A database handle for one request: outside a transaction (reads) or inside one (writes).

    A transaction's BEGIN is sent with its first statement, not before: a write refused before
    it touches the database costs no round trip."""

    dialect_name: str
    # Callbacks waiting for the commit; None outside a transaction.
    _after_commit: list[Callable[[], None]] | None
    # Sends the transaction's BEGIN; set on a transaction's handle until its first statement.
    _begin: Callable[[], Awaitable[Any]] | None = None
    began = False

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this handle's transaction has committed (at once for a reader).

        For effects outside the database that must never run for a rolled-back change, or
        run before the change is visible: forgetting cached credentials, for one."""
        if self._after_commit is None:
            callback()
        else:
            self._after_commit.append(callback)

    async def _statement(
        self,
        stmt: ClauseElement,
        params: Params | None,
        raw: bool = False,
        rows: bool = True,
    ) -> tuple[Sequence[Mapping[str, Any]], int]:
        begin = self._begin
        if begin is not None:
            self._begin = None
            await begin()
            self.began = True
        return await self._run(stmt, params, raw, rows)

    @abstractmethod
    async def _run(
        self, stmt: ClauseElement, params: Params | None, raw: bool = False, rows: bool = True
    ) -> tuple[Sequence[Mapping[str, Any]], int]:
        """Run one statement: its rows (empty for a plain write) and the rows it touched.
        The rows are dicts, or with `raw` whatever read-only mappings the driver returns.
        `rows`: the caller reads rows (a `text()` statement without `.columns()` says nothing
        of its result, so that decides how PostgreSQL runs it); False for a count."""

    async def all(self, stmt: ClauseElement, params: Params | None = None) -> list[Row]:
        rows, _ = await self._statement(stmt, params)
        return cast(list[Row], rows)

    async def records(
        self, stmt: ClauseElement, params: Params | None = None
    ) -> Sequence[Mapping[str, Any]]:
        """The rows as read-only mappings, as the driver returns them: on PostgreSQL asyncpg's
        records themselves, without a dict per row (a tenth of a list page). For rows that
        only go into a response (`RowJson`) or a cursor."""
        rows, _ = await self._statement(stmt, params, raw=True)
        return rows

    async def first(self, stmt: ClauseElement, params: Params | None = None) -> Row | None:
        rows, _ = await self._statement(stmt, params)
        return cast(Row, rows[0]) if rows else None

    async def one(
        self,
        stmt: ClauseElement,
        params: Params | None = None,
        *,
        missing: str = "No such resource.",
    ) -> Row:
        """The first row, or `NotFound(missing)` when there is none."""
        row = await self.first(stmt, params)
        if row is None:
            raise NotFound(missing)
        return row

    async def scalar(self, stmt: ClauseElement, params: Params | None = None) -> Any:
        row = await self.first(stmt, params)
        return None if row is None else next(iter(row.values()))

    async def execute(self, stmt: ClauseElement, params: Params | None = None) -> int:
        """Run a statement for its effect; returns the number of rows it touched."""
        _, count = await self._statement(stmt, params, rows=False)
        return count


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


class _PgStatements:
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
    statements: _PgStatements,
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


class _PgDb(Db):
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
            raise _not_connected()
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
            if not _is_select(stmt):
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
        statements: _PgStatements,
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


class _SqliteDb(Db):
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
        if self._read_only and not _is_select(stmt):
            raise ReadOnlyViolation("A snapshot is read-only.")
        self._database.statement_count += 1
        if self._conn is not None:
            return await self._exec(self._conn, stmt, params)
        engine = self._database.engine
        if engine is None:
            raise _not_connected()
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


def _is_select(stmt: ClauseElement) -> bool:
    if isinstance(stmt, Select | CompoundSelect | TextualSelect):
        return True
    # `WITH` may lead to a write in SQLite, so only a plain SELECT text passes.
    return isinstance(stmt, TextClause) and stmt.text.lstrip()[:6].upper() == "SELECT"


async def _init_pg_connection(conn: asyncpg.Connection) -> None:
    # JSON travels as text that SQLAlchemy's bind processors already serialised.
    await conn.set_type_codec(
        "json", encoder=str, decoder=orjson.loads, schema="pg_catalog", format="text"
    )
    await conn.set_type_codec(
        "jsonb", encoder=str, decoder=orjson.loads, schema="pg_catalog", format="text"
    )


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


def pool_options(settings: Settings) -> PoolOptions:
    """The pool's options from the app's `Settings`."""
    return PoolOptions(
        acquire_timeout=settings.db_acquire_timeout_ms / 1000,
        connect_timeout=settings.db_connect_timeout_ms / 1000,
        check_after_idle=settings.db_check_after_idle_ms / 1000,
        max_lifetime=float(settings.db_max_lifetime_s),
        idle_timeout=float(settings.db_idle_timeout_s),
        retry_interval=settings.db_retry_interval_ms / 1000,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        pgbouncer=settings.db_pgbouncer,
    )


class Database:
    """The process's connection pool; hands out `Db` handles for reads and transactions."""

    def __init__(
        self, url: str, *, pool_size: int = 32, options: PoolOptions | None = None
    ) -> None:
        self.url = make_url(url)
        self.dialect_name = self.url.get_backend_name()
        if self.dialect_name not in ("postgresql", "sqlite"):
            raise ValueError(f"unsupported database: {self.dialect_name}")
        self.pool_size = pool_size
        self.options = options or PoolOptions()
        self.engine: AsyncEngine | None = None
        self.pool: PgPool | None = None
        self.pg_statements: _PgStatements | None = None
        # Counted per process, for tests and metrics only; nothing depends on them.
        self.statement_count = 0
        self.transaction_count = 0

    async def connect(self) -> None:
        if self.dialect_name == "postgresql":
            self.pg_statements = _PgStatements()
            self.pool = self._pg_pool()
            # One connection at start: an unreachable database fails the start, not a request.
            self.pool.release(await self.pool.acquire(), reusable=True)
        else:
            # AUTOCOMMIT leaves transaction control to us: writes open BEGIN IMMEDIATE so two
            # writers queue on the lock instead of failing to upgrade a read lock. A failed
            # statement's error names its SQL but not its values (what a client sent).
            self.engine = create_async_engine(
                self.url,
                isolation_level="AUTOCOMMIT",
                pool_size=5,
                max_overflow=10,
                hide_parameters=True,
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    def _pg_pool(self) -> PgPool:
        options = self.options
        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
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
            max_size=self.pool_size,
            check=check,
            reset=reset,
            acquire_timeout=options.acquire_timeout,
            check_after=options.check_after_idle,
            max_lifetime=options.max_lifetime,
            idle_timeout=options.idle_timeout,
            retry_interval=options.retry_interval,
        )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    def reader(self) -> Db:
        """A handle whose every statement runs on its own, outside any transaction."""
        if self.pool is not None:
            return _PgDb(self, self.pool)
        return _SqliteDb(self, None)

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Db]:
        """One transaction: committed when the block ends, rolled back if it raises. BEGIN
        goes with the first statement (see `Db`)."""
        self.transaction_count += 1
        if self.pool is not None:
            return _PgTransaction(self, self.pool)
        return self._sqlite_transaction()

    def snapshot(self) -> contextlib.AbstractAsyncContextManager[Db]:
        """A read-only transaction on one connection: every statement of the block sees the
        database as of its first statement (so the parts of a multi-statement read agree),
        and a write is refused with `ReadOnlyViolation`. Ended as `transaction` ends, the
        connection returned the same way on an error or a cancellation."""
        if self.pool is not None:
            return _PgTransaction(self, self.pool, snapshot=True)
        return self._sqlite_transaction(snapshot=True)

    @contextlib.asynccontextmanager
    async def _sqlite_transaction(self, *, snapshot: bool = False) -> AsyncIterator[Db]:
        if self.engine is None:
            raise _not_connected()
        async with self.engine.connect() as sa_conn:
            handle = _SqliteDb(self, sa_conn, read_only=snapshot)
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
                await _end(handle, exc, commit, rollback)
                raise
            await _end(handle, None, commit, rollback)
        _run_callbacks(handle)

    def pool_status(self) -> dict[str, int]:
        """Connections in use, idle and allowed, for metrics."""
        if self.pool is not None:
            size, idle = self.pool.size, self.pool.idle
            return {"in_use": size - idle, "idle": idle, "max": self.pool.max_size}
        if self.engine is not None:
            pool: Any = self.engine.sync_engine.pool
            return {"in_use": pool.checkedout(), "idle": pool.checkedin(), "max": pool.size()}
        return {}

    async def migration_revision(self) -> str | None:
        """The schema's Alembic revision, None when unmigrated; raises when unreachable."""
        db = self.reader()
        try:
            revision = await db.scalar(select(_alembic_version.c.version_num))
        except Exception:  # noqa: BLE001 - no version table yet: reachable but not migrated
            await db.scalar(select(literal(1)))
            return None
        return None if revision is None else str(revision)


class _PgTransaction:
    """`Database.transaction` and `Database.snapshot` on PostgreSQL: a pooled connection for
    the block, its commit or rollback, then the callbacks. A plain class rather than nested
    generator-based context managers: those layers cost a write about as much as validating
    its body (issue 11)."""

    __slots__ = ("_conn", "_database", "_handle", "_pool", "_snapshot", "_transaction")

    def __init__(self, database: Database, pool: PgPool, *, snapshot: bool = False) -> None:
        self._database = database
        self._pool = pool
        self._snapshot = snapshot

    async def __aenter__(self) -> Db:
        conn = await _acquire(self._pool)
        self._conn: asyncpg.Connection | None = conn
        handle = self._handle = _PgDb(self._database, self._pool, conn)
        self._transaction = self._new(conn)
        handle._begin = self._start
        return handle

    def _new(self, conn: asyncpg.Connection) -> Any:
        # A snapshot: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY, one snapshot taken at
        # the first statement, and PostgreSQL refuses writes.
        if self._snapshot:
            return conn.transaction(isolation="repeatable_read", readonly=True)
        return conn.transaction()

    async def _start(self) -> None:
        """BEGIN, sent before the block's first statement. A connection found dead here has
        done nothing for this transaction: it is replaced by a new one, once."""
        handle, conn = self._handle, self._conn
        if conn is None:
            raise _not_connected()
        # Until BEGIN is answered the protocol's state is unknown (a cancellation, say).
        handle.broken = True
        try:
            await self._transaction.start()
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
        self._transaction = self._new(conn)
        try:
            await self._transaction.start()
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
            await _end(handle, exc, self._transaction.commit, self._transaction.rollback)
            ended = True
        except _ANY_FAILURE as end_exc:
            if not _is_lost(conn, end_exc):
                if isinstance(end_exc, asyncpg.PostgresError):
                    _raise_answer(end_exc)
                raise
            if exc is not None and not _keeps(exc):
                # The rollback found the connection gone, which rolled the transaction back
                # anyway: the block's own error is the answer.
                return
            raise DatabaseUnavailable(None if self._snapshot else _UNKNOWN_OUTCOME) from end_exc
        finally:
            # A connection whose commit or rollback did not finish is not reused (the pool
            # also refuses one still in a transaction).
            self._pool.release(conn, reusable=ended)
        if exc is None:
            _run_callbacks(handle)


async def _end(
    handle: Db,
    exc: BaseException | None,
    commit: Callable[[], Awaitable[Any]],
    rollback: Callable[[], Awaitable[Any]],
) -> None:
    """Commit a begun transaction whose block ended; roll it back if the block raised, unless
    the problem is one whose changes are kept (committed, callbacks run, then raised)."""
    if exc is None:
        if handle.began:
            await commit()
        return
    keeps = _keeps(exc)
    if handle.began:
        await (commit() if keeps else rollback())
    if keeps:
        _run_callbacks(handle)


def _run_callbacks(handle: Db) -> None:
    for callback in handle._after_commit or ():
        callback()


def _not_connected() -> RuntimeError:
    return RuntimeError("The database is not connected: Database.connect() has not run.")


def _keeps(exc: BaseException) -> bool:
    return isinstance(exc, ProblemError) and exc.keep_changes


_alembic_version = table("alembic_version", column("version_num"))
