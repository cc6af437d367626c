"""The one executor: every SQL statement Rapport runs goes through `Db`.

Services build SQLAlchemy Core statements and hand them here. On PostgreSQL the compiled
statement runs on an asyncpg connection directly (SQLAlchemy's execution layer costs about a
millisecond of CPU per request, see shared/performance.md); on SQLite SQLAlchemy's own async
execution is kept. Both return plain dicts with the same Python types, which the tests check.

This module is the front: `Database` (the process's pool, handing out handles) and everything
services import. What both backends share is in `db_base` (`Db`, the column types, how a
transaction ends); each backend in its own module: `db_postgres` (compiled statements on
asyncpg, the connection faults, transactions and snapshots) and `db_sqlite`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import column, literal, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db_base import (
    Base,
    ConstraintViolation,
    Db,
    JSONDocument,
    Params,
    ReadOnlyViolation,
    Row,
    UTCDateTime,
    column_values,
    dialect_insert,
    metadata,
    table_of,
    utcnow,
)
from app.core.db_postgres import PgDb, PgPool, PgTransaction, PoolOptions, open_pool
from app.core.db_sqlite import SqliteDb, open_engine, sqlite_transaction
from app.core.pg_statements import PgStatements

if TYPE_CHECKING:
    from app.core.settings import Settings

__all__ = [
    "Base",
    "ConstraintViolation",
    "Database",
    "Db",
    "JSONDocument",
    "Params",
    "PoolOptions",
    "ReadOnlyViolation",
    "Row",
    "UTCDateTime",
    "column_values",
    "dialect_insert",
    "metadata",
    "pool_options",
    "table_of",
    "utcnow",
]


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
        self.pg_statements: PgStatements | None = None
        # Counted per process, for tests and metrics only; nothing depends on them.
        self.statement_count = 0
        self.transaction_count = 0

    async def connect(self) -> None:
        if self.dialect_name == "postgresql":
            self.pg_statements = PgStatements()
            self.pool = open_pool(self.url, self.pool_size, self.options)
            # One connection at start: an unreachable database fails the start, not a request.
            self.pool.release(await self.pool.acquire(), reusable=True)
        else:
            self.engine = open_engine(self.url)

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
            return PgDb(self, self.pool)
        return SqliteDb(self, None)

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Db]:
        """One transaction: committed when the block ends, rolled back if it raises. BEGIN
        goes with the first statement (see `Db`)."""
        self.transaction_count += 1
        if self.pool is not None:
            return PgTransaction(self, self.pool)
        return sqlite_transaction(self)

    def snapshot(self) -> contextlib.AbstractAsyncContextManager[Db]:
        """A read-only transaction on one connection: every statement of the block sees the
        database as of its first statement (so the parts of a multi-statement read agree),
        and a write is refused with `ReadOnlyViolation`. Ended as `transaction` ends, the
        connection returned the same way on an error or a cancellation."""
        if self.pool is not None:
            return PgTransaction(self, self.pool, snapshot=True)
        return sqlite_transaction(self, snapshot=True)

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


_alembic_version = table("alembic_version", column("version_num"))
