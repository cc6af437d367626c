"""How the PostgreSQL executor turns a SQLAlchemy Core statement into asyncpg's SQL and
arguments: compiled once per statement shape (and remembered per statement object), LIMIT
written into the text, arguments bound from the caller's values (docs/performance.md)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.asyncpg import PGCompiler_asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, TextClause

from app.core.db_base import Params


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
