"""An interview page holds each interview in exactly the bytes a single read returns, with and
without expansions, whether each row (the interview, its person, its organisation) brings its
stored document or is built from its columns (app.core.rows: the two are built by different
code, and a page splices embedded objects into a stored interview)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from app.core.db import Database
from app.interviews.models import interviews
from app.organisations.models import organisations
from app.people.models import people
from tests.conftest import Account
from tests.interviews.factories import base, create_interview
from tests.organisations.factories import create_organisation
from tests.people.factories import create_person

EXPANSIONS = ("", "person", "organisation", "person,organisation")


async def _assert_pages_hold_single_reads(
    client: httpx.AsyncClient, owner: Account, interview_ids: list[str]
) -> None:
    for expand in EXPANSIONS:
        params = {"expand": expand} if expand else {}
        page = await client.get(base(owner), params=params, headers=owner.headers)
        assert page.status_code == 200
        singles = []
        for interview_id in interview_ids:
            single = await client.get(
                f"{base(owner)}/{interview_id}", params=params, headers=owner.headers
            )
            assert single.status_code == 200
            singles.append(single.content)
        expected = (
            b'{"object":"list","data":['
            + b",".join(singles)
            + b'],"has_more":false,"next_cursor":null}'
        )
        assert page.content == expected, expand


@pytest.mark.parametrize(
    "stale", [(), ("interviews",), ("people",), ("organisations",), ("interviews", "people")]
)
async def test_pages_hold_single_reads_with_and_without_stored_documents(
    client: httpx.AsyncClient, owner: Account, database: Database, stale: tuple[str, ...]
) -> None:
    organisation = await create_organisation(client, owner, name='Quote " Ltd ☕')
    with_all = await create_person(
        client, owner, organisation_id=organisation["id"], tags=["a", "é"], notes="x\ny"
    )
    alone = await create_person(client, owner, given_name="Alone")
    ids = [
        (
            await create_interview(
                client, owner, with_all["id"], career_field="Research \\ design", goals="🙂"
            )
        )["id"],
        (await create_interview(client, owner, alone["id"], organisation_id=None))["id"],
    ]
    # Writes that do not rewrite `doc` (the trigger clears it): those rows are then built
    # from their columns, the others sent as stored.
    changes = {
        "interviews": update(interviews).values(notes="changed behind the service"),
        "people": update(people).values(job_title="Changed"),
        "organisations": update(organisations).values(industry="Changed"),
    }
    async with database.transaction() as db:
        for table in stale:
            stmt = changes[table]
            column = {"interviews": interviews, "people": people, "organisations": organisations}[
                table
            ].c.workspace_id
            await db.execute(stmt.where(column == owner.workspace_id))
    await _assert_pages_hold_single_reads(client, owner, ids)
