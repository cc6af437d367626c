"""Stored documents: the JSON a row is shown as, kept with the row (`doc`) with the version of
the representation that wrote it (`doc_version`), and the select lists that send a document only
when that version is the running code's (app/core/rows.py says how versions are made)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, Table, case, literal_column, or_

from app.core.row_versions import digest
from app.core.rows import RowJson

if TYPE_CHECKING:
    from sqlalchemy.sql import ClauseElement

    from app.core.db_base import Db

# A table's document columns, which no representation shows.
DOCUMENT_COLUMNS = ("doc", "doc_version")


def _layout(table: Table) -> list[Any]:
    """A table's columns as its model declares them. A foreign key's type is resolved only once
    the table it refers to is loaded, so such a column is its target instead (same in every
    process, whatever the import order)."""
    layout: list[Any] = []
    for column in table.c:
        targets = sorted(key.target_fullname for key in column.foreign_keys)
        layout.append([column.key, targets or repr(column.type), column.nullable])
    return layout


class StoredDocuments:
    """The stored documents of one table (columns `doc` and `doc_version`) in `shown`'s
    representation: what every service write stores (`written`) and what readers select
    (`columns`). `version` is this code's (see the module's docstring).

    A write that changes many rows in one statement without the helper (today only the
    database's own: a foreign key's `ON DELETE SET NULL`) leaves their documents cleared by the
    trigger; those rows are built from their columns until their next write or
    `python -m app.documents`."""

    def __init__(self, table: Table, shown: RowJson) -> None:
        self.table = table
        self.shown = shown
        self.version = digest([shown.version, _layout(table)])
        # A constant in the SQL text, not a bound value: the statements keep one shape and
        # their compiled form, and no request binds it.
        version: ColumnElement[Any] = literal_column(f"'{self.version}'")
        doc, doc_version = table.c.doc, table.c.doc_version
        self._current = doc_version == version
        # NULL-safe: a row written before versions (NULL) has another version, not an unknown
        # one. A list page asks this of every column of every row (one comparison: about 5 µs
        # of PostgreSQL's time on a page of 25 people; `doc IS NULL OR` before it, 4-9 µs
        # more), so it rests on the columns' invariant instead: `doc_version` is set only
        # together with `doc` (services write both, migration 0011's triggers clear both).
        self._other_version = doc_version.is_distinct_from(version)
        # Documents to store again (app.documents): without the invariant.
        self.outdated: ColumnElement[bool] = or_(doc.is_(None), self._other_version)
        self.row_columns = [c for c in table.c if c.key not in DOCUMENT_COLUMNS]

    def written(
        self, row: Mapping[str, Any], changes: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The values a write stores: `changes` (an insert: the whole `row`) with the document
        and version of `row`, the row as it will be once written. A writer holds the row's lock
        (or inserts it), so that `row` is what the database will hold."""
        values = dict(row if changes is None else changes)
        values["doc"] = self.shown.json(row).decode()
        values["doc_version"] = self.version
        return values

    def columns(
        self, columns: Iterable[ColumnElement[Any]], keep: Iterable[str], prefix: str = ""
    ) -> list[ColumnElement[Any]]:
        """A select list for rows that may bring their stored document: the document when this
        code wrote its version (NULL otherwise), the `keep` columns (keys a caller reads: ids,
        sort keys), and the other columns only where no document comes (NULL otherwise, which
        costs next to nothing to send and decode). Each is labelled `prefix` + its key (`doc`
        too), for embedding in another table's rows."""
        kept = set(keep)
        selected: list[ColumnElement[Any]] = [
            case((self._current, self.table.c.doc)).label(prefix + "doc")
        ]
        for c in columns:
            key = str(c.key)
            value = c if key in kept else case((self._other_version, c))
            selected.append(value.label(prefix + key))
        return selected

    def select_lists(
        self, columns: Iterable[ColumnElement[Any]], keep: Iterable[str], prefix: str = ""
    ) -> DocumentColumns:
        """`columns(...)` (`whole`) and the same list without the columns a document stands
        for (`documents`): what `document_rows` reads first."""
        columns, kept = list(columns), set(keep)
        whole = self.columns(columns, kept, prefix)
        return DocumentColumns(
            [c for c in whole if c.key in {prefix + "doc", *(prefix + k for k in kept)}], whole
        )


class DocumentColumns(NamedTuple):
    documents: list[ColumnElement[Any]]
    whole: list[ColumnElement[Any]]


async def document_rows(
    db: Db,
    documents: ClauseElement,
    whole: ClauseElement,
    params: Mapping[str, Any],
    embedded: Sequence[str] = (),
) -> Sequence[Mapping[str, Any]]:
    """A page's rows (`Db.records`), read by `documents` (the stored documents, ids and sort
    keys: no column a document stands for) and, when a row on it comes without its current
    document (or an embedded object, found by its `prefix + "id"`, without its own), read
    again by `whole`, which also brings those rows' columns. The second read replaces the
    first, so a page is always one statement's snapshot.

    Almost every row has its document (every service write stores it); the exceptions are
    rows written by another release during a deploy and rows a foreign key's `ON DELETE SET
    NULL` rewrote, until their next write or `python -m app.documents`. Selecting only the
    documents spared PostgreSQL a `CASE` per column per row and their NULLs on the wire: a
    quarter of its time on an interview page with both expansions (docs/performance.md)."""
    rows = await db.records(documents, params)
    for row in rows:
        if row["doc"] is None or any(
            row[prefix + "doc"] is None and row[prefix + "id"] is not None for prefix in embedded
        ):
            return await db.records(whole, params)
    return rows
