"""`python -m app.documents`: store the JSON representation (`doc`, app.core.rows) of every row
whose document is missing or was written by another version of its representation.

Never required: lists are correct either way, such rows being built from their columns, which
costs more, and every write through a service stores a current document, so the speed comes
back by itself as rows are written. Run it to have it back at once: after a deploy that changed
a representation (a field, its format, an interview's allowed actions) or a column of one of
these tables, once no instance of the previous release is left (rows one of those writes get
its version again); after migration 0011 (older documents have no version); or after writes
around the services (a foreign key's `ON DELETE SET NULL`, hand-made SQL), whose documents the
database cleared. Safe while the app serves: each batch of rows is locked while its documents
are written, so a concurrent write either waits or is seen.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Text, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.db import Database
from app.core.settings import get_settings
from app.core.stored_documents import StoredDocuments
from app.interviews.service import INTERVIEW_DOCUMENTS
from app.organisations.service import ORGANISATION_DOCUMENTS
from app.people.representation import PERSON_DOCUMENTS

BATCH = 500
TABLES = (PERSON_DOCUMENTS, ORGANISATION_DOCUMENTS, INTERVIEW_DOCUMENTS)


async def store_missing(database: Database, *, batch: int = BATCH) -> dict[str, int]:
    """Store the document of every row without a current one, `batch` rows a transaction, in id
    order; returns how many were stored per table."""
    return {documents.table.name: await _store(database, documents, batch) for documents in TABLES}


async def _store(database: Database, documents: StoredDocuments, batch: int) -> int:
    table = documents.table
    outdated = (
        select(*documents.row_columns)
        .where(documents.outdated, table.c.id > bindparam("after"))
        .order_by(table.c.id)
        .limit(batch)
        .with_for_update()
    )
    write = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(doc=bindparam("stored_doc"), doc_version=documents.version)
    )
    # PostgreSQL: a batch in one statement, the pairs passed as two arrays.
    pairs = select(
        func.unnest(bindparam("row_ids", type_=ARRAY(Text()))).label("id"),
        func.unnest(bindparam("stored_docs", type_=ARRAY(Text()))).label("doc"),
    ).subquery("stored")
    write_all = (
        update(table)
        .where(table.c.id == pairs.c.id)
        .values(doc=pairs.c.doc, doc_version=documents.version)
    )
    count, after = 0, ""
    while True:
        async with database.transaction() as db:
            rows = await db.all(outdated, {"after": after})
            stored = [documents.written(row)["doc"] for row in rows]
            if db.dialect_name == "postgresql":
                ids = [row["id"] for row in rows]
                await db.execute(write_all, {"row_ids": ids, "stored_docs": stored})
            else:
                for row, document in zip(rows, stored, strict=True):
                    await db.execute(write, {"row_id": row["id"], "stored_doc": document})
        if not rows:
            return count
        count += len(rows)
        after = rows[-1]["id"]


async def _main() -> dict[str, int]:
    database = Database(get_settings().database_url, pool_size=2)
    await database.connect()
    try:
        return await store_missing(database)
    finally:
        await database.close()


def main() -> None:
    stored = asyncio.run(_main())
    print(", ".join(f"{name}: {count} stored" for name, count in stored.items()))


if __name__ == "__main__":
    main()
