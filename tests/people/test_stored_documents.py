"""Stored representations (`doc`, app.core.rows): list pages and embeds send a row's stored JSON,
and a write that does not rewrite it leaves the database to clear it, so nobody ever reads a
representation older than its row. (tests/conftest.py also checks, after the whole suite, that
every stored document still matches its row.)"""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from app.core.db import Database
from app.interviews.models import interviews
from app.organisations.models import organisations
from app.people.models import people
from tests.conftest import Account
from tests.interviews.factories import base as interviews_base
from tests.interviews.factories import create_interview
from tests.organisations.factories import create_organisation
from tests.people.factories import collection, create_person, item


async def _doc(database: Database, table: object, row_id: str) -> str | None:
    column = people.c if table is people else organisations.c
    found = await database.reader().scalar(select(column.doc).where(column.id == row_id))
    return None if found is None else str(found)


async def _listed(client: httpx.AsyncClient, owner: Account, person_id: str) -> bytes:
    """The person's bytes within a list page (the page holds only that person's workspace)."""
    page = await client.get(collection(owner), headers=owner.headers, params={"limit": 100})
    assert page.status_code == 200
    single = await client.get(item(owner, person_id), headers=owner.headers)
    assert single.content in page.content
    return single.content


async def test_writes_through_the_api_store_the_json_a_read_returns(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner, job_title="Engineer", tags=["a"])
    read = await client.get(item(owner, person["id"]), headers=owner.headers)
    assert await _doc(database, people, person["id"]) == read.text

    changed = await client.patch(
        item(owner, person["id"]),
        json={"job_title": "Researcher", "emails": [{"address": "x@example.com"}]},
        headers={**owner.headers, "If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200
    again = await client.get(item(owner, person["id"]), headers=owner.headers)
    assert again.json()["job_title"] == "Researcher"
    assert await _doc(database, people, person["id"]) == again.text
    assert await _listed(client, owner, person["id"]) == again.content


async def test_an_update_that_does_not_rewrite_the_document_clears_it(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner, job_title="Engineer")
    assert await _doc(database, people, person["id"]) is not None
    async with database.transaction() as db:  # a write that knows nothing of `doc`
        await db.execute(
            update(people).where(people.c.id == person["id"]).values(job_title="Changed")
        )
    assert await _doc(database, people, person["id"]) is None
    listed = await _listed(client, owner, person["id"])
    assert b'"job_title":"Changed"' in listed

    # The next write through the service stores it again.
    read = await client.get(item(owner, person["id"]), headers=owner.headers)
    await client.patch(
        item(owner, person["id"]),
        json={"notes": "Stored again."},
        headers={**owner.headers, "If-Match": read.headers["etag"]},
    )
    after = await client.get(item(owner, person["id"]), headers=owner.headers)
    assert await _doc(database, people, person["id"]) == after.text


async def test_a_side_effect_on_the_person_shows_in_lists_and_embeds(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """Completing an interview moves the person to `interviewed` (app.people.progress, which
    rewrites the person's document): the people list and the interview's embedded person show
    it."""
    person = await create_person(client, owner, given_name="Stage")
    interview = await create_interview(client, owner, person["id"])
    for path, body in (("schedule", {"scheduled_at": "2026-12-01T09:00:00Z"}), ("complete", {})):
        response = await client.post(
            f"{interviews_base(owner)}/{interview['id']}/{path}", json=body, headers=owner.headers
        )
        assert response.status_code == 200, response.text
    read = await client.get(item(owner, person["id"]), headers=owner.headers)
    assert read.json()["relationship_stage"] == "interviewed"
    assert await _listed(client, owner, person["id"]) == read.content
    page = await client.get(
        interviews_base(owner), params={"expand": "person"}, headers=owner.headers
    )
    assert b'"person":' + read.content in page.content


async def test_deleting_an_organisation_clears_its_people_documents(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """The foreign key's ON DELETE SET NULL is an update the database makes on its own."""
    organisation = await create_organisation(client, owner, name="Gone Ltd")
    person = await create_person(client, owner, organisation_id=organisation["id"])
    assert await _doc(database, organisations, organisation["id"]) is not None
    interview = await create_interview(client, owner, person["id"])
    page = await client.get(
        interviews_base(owner), params={"expand": "organisation"}, headers=owner.headers
    )
    shown = await client.get(
        f"/v1/workspaces/{owner.workspace_id}/organisations/{organisation['id']}",
        headers=owner.headers,
    )
    assert b'"organisation":' + shown.content in page.content

    deleted = await client.delete(
        f"/v1/workspaces/{owner.workspace_id}/organisations/{organisation['id']}",
        headers=owner.headers,
    )
    assert deleted.status_code == 204, deleted.text
    assert await _doc(database, people, person["id"]) is None
    listed = await _listed(client, owner, person["id"])
    assert b'"organisation_id":null' in listed
    embedded = await client.get(
        f"{interviews_base(owner)}/{interview['id']}",
        params={"expand": "person"},
        headers=owner.headers,
    )
    assert embedded.json()["person"]["organisation_id"] is None
    # The interview's own document too (its organisation_id was set to NULL the same way).
    assert (
        await database.reader().scalar(
            select(interviews.c.doc).where(interviews.c.id == interview["id"])
        )
        is None
    )
    single = await client.get(f"{interviews_base(owner)}/{interview['id']}", headers=owner.headers)
    assert single.json()["organisation_id"] is None
    page = await client.get(interviews_base(owner), headers=owner.headers)
    assert single.content in page.content
