"""`python -m app.documents` stores the missing documents and those of another version (of
another release, or from before versions): exactly what a single read returns, under this
code's version, leaving rows that have a current one alone."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from app.core.db import Database
from app.documents import TABLES, store_missing
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


async def test_documents_of_another_version_are_stored_again(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation = await create_organisation(client, owner, name="Rewritten Ltd")
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
    # People: the same text under another release's version (the trigger must let its rewrite
    # stand); organisations: from before versions; interviews: another release's shape.
    async with database.transaction() as db:
        await db.execute(
            update(people).where(people.c.id == person["id"]).values(doc_version="0" * 16)
        )
        await db.execute(
            update(organisations)
            .where(organisations.c.id == organisation["id"])
            .values(doc_version=None)
        )
        await db.execute(
            update(interviews)
            .where(interviews.c.id == interview["id"])
            .values(doc='{"id":"' + interview["id"] + '"}', doc_version="f" * 16)
        )
    # A new version of the same text is a rewrite: the trigger leaves it (and so app.documents'
    # own rewrite of such a row).
    kept = await database.reader().one(
        select(people.c.doc, people.c.doc_version).where(people.c.id == person["id"])
    )
    assert kept["doc"] is not None
    assert kept["doc_version"] == "0" * 16

    stored = await store_missing(database, batch=2)
    assert all(stored[table.name] >= 1 for table in reads)
    versions = {documents.table.name: documents.version for documents in TABLES}
    for table, (row_id, path) in reads.items():
        read = await client.get(path, headers=owner.headers)
        row = await database.reader().one(
            select(table.c.doc, table.c.doc_version).where(table.c.id == row_id)
        )
        assert row["doc"] == read.text
        assert row["doc_version"] == versions[table.name]
    assert await store_missing(database) == {"people": 0, "organisations": 0, "interviews": 0}
