"""`python -m app.documents`: store the JSON representation (`doc`, app.core.rows) of every row
that has none.

Rows written before migration 0007 have none, and an update that does not go through the row's
service (a side effect such as a relationship stage moving on, or a foreign key's `ON DELETE SET
NULL`) clears it. Lists are correct either way: such rows are built from their columns, which
costs more. Safe while the app serves: each batch of rows is locked while its documents are
written, so a concurrent write either waits or is seen.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Table, Text, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.db import Database
from app.core.rows import RowJson
from app.core.settings import get_settings
from app.interviews import service as interviews_service
from app.interviews.models import interviews
from app.organisations import service as organisations_service
from app.organisations.models import organisations
from app.people import service as people_service
from app.people.models import people

BATCH = 500


def _tables() -> list[tuple[Table, RowJson]]:
    return [
        (people, people_service.PERSON_JSON),
        (organisations, organisations_service.ORGANISATION_JSON),
        (interviews, interviews_service.INTERVIEW_JSON),
    ]


async def store_missing(database: Database, *, batch: int = BATCH) -> dict[str, int]:
    """Store the document of every row without one, `batch` rows a transaction, in id order;
    returns how many were stored per table."""
    stored: dict[str, int] = {}
    for table, shown in _tables():
        columns = [c for c in table.c if c.key != "doc"]
        missing = (
            select(*columns)
            .where(table.c.doc.is_(None), table.c.id > bindparam("after"))
            .order_by(table.c.id)
            .limit(batch)
            .with_for_update()
        )
        write = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(doc=bindparam("stored_doc"))
        )
        # PostgreSQL: a batch in one statement, the pairs passed as two arrays.
        pairs = select(
            func.unnest(bindparam("row_ids", type_=ARRAY(Text()))).label("id"),
            func.unnest(bindparam("stored_docs", type_=ARRAY(Text()))).label("doc"),
        ).subquery("stored")
        write_all = update(table).where(table.c.id == pairs.c.id).values(doc=pairs.c.doc)
        count, after = 0, ""
        while True:
            async with database.transaction() as db:
                rows = await db.all(missing, {"after": after})
                documents = [shown.json(row).decode() for row in rows]
                if db.dialect_name == "postgresql":
                    ids = [row["id"] for row in rows]
                    await db.execute(write_all, {"row_ids": ids, "stored_docs": documents})
                else:
                    for row, document in zip(rows, documents, strict=True):
                        await db.execute(write, {"row_id": row["id"], "stored_doc": document})
            if not rows:
                break
            count += len(rows)
            after = rows[-1]["id"]
        stored[table.name] = count
    return stored


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
