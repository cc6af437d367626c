"""What both executors share: the schema's metadata and column types, the `Db` handle every
service takes, the executor's errors, and how a transaction ends (app/core/db.py says more)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

from sqlalchemy import JSON, DateTime, MetaData, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import CompoundSelect, Select, TextualSelect
from sqlalchemy.types import TypeDecorator

from app.core.errors import (
    Conflict,
    NotFound,
    ProblemError,
)

Row = dict[str, Any]


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


def is_select(stmt: ClauseElement) -> bool:
    if isinstance(stmt, Select | CompoundSelect | TextualSelect):
        return True
    # `WITH` may lead to a write in SQLite, so only a plain SELECT text passes.
    return isinstance(stmt, TextClause) and stmt.text.lstrip()[:6].upper() == "SELECT"


async def end_transaction(
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
    keeps = keeps_changes(exc)
    if handle.began:
        await (commit() if keeps else rollback())
    if keeps:
        run_callbacks(handle)


def run_callbacks(handle: Db) -> None:
    for callback in handle._after_commit or ():
        callback()


def not_connected() -> RuntimeError:
    return RuntimeError("The database is not connected: Database.connect() has not run.")


def keeps_changes(exc: BaseException) -> bool:
    return isinstance(exc, ProblemError) and exc.keep_changes
