"""`python -m app.documents` stores the missing documents: exactly those a single read returns,
leaving rows that have one alone."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from app.core.db import Database
from app.documents import store_missing
from app.interviews.models import interviews
from app.organisations.models import organisations
from app.people.models import people
from tests.conftest import Account
from tests.interviews.factories import base as interviews_base
from tests.interviews.factories import create_interview
from tests.organisations.factories import create_organisation
from tests.people.factories import create_person, item


async def test_missing_documents_are_stored_as_reads_show_them(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation = await create_organisation(client, owner, name="Backfill Ltd")
    person = await create_person(client, owner, organisation_id=organisation["id"])
    interview = await create_interview(client, owner, person["id"], goals="Learn")
    reads = {
        people: (person["id"], item(owner, person["id"])),
        organisations: (
            organisation["id"],
            f"/v1/workspaces/{owner.workspace_id}/organisations/{organisation['id']}",
        ),
        interviews: (interview["id"], f"{interviews_base(owner)}/{interview['id']}"),
    }
    # Changed behind the services: the trigger clears each document.
    async with database.transaction() as db:
        for table, (row_id, _) in reads.items():
            await db.execute(
                update(table).where(table.c.id == row_id).values(updated_at=table.c.updated_at)
            )
    for table, (row_id, _) in reads.items():
        assert (
            await database.reader().scalar(select(table.c.doc).where(table.c.id == row_id)) is None
        )

    stored = await store_missing(database, batch=2)
    assert all(stored[table.name] >= 1 for table in reads)
    for table, (row_id, path) in reads.items():
        read = await client.get(path, headers=owner.headers)
        doc = await database.reader().scalar(select(table.c.doc).where(table.c.id == row_id))
        assert doc == read.text

    # Nothing left to do.
    assert await store_missing(database) == {"people": 0, "organisations": 0, "interviews": 0}
