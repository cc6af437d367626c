"""`GET …/people/{person_id}/timeline`: outreach, interviews, follow-ups and leads, newest first,
in one keyset-paged list."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from app.core import ids
from app.core.db import Database, utcnow
from app.follow_ups.service import create_follow_up
from app.leads.models import leads
from app.outreach.models import outreach
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.referrals.factories import insert_interview, make_person, workspace_path

T0 = datetime.fromisoformat("2026-11-01T12:00:00+00:00")


async def add_outreach(
    database: Database,
    workspace_id: str,
    person_id: str,
    *,
    sent_at: datetime | None,
    created_at: datetime,
    subject: str | None = "Coffee?",
) -> str:
    outreach_id = ids.new_id("out")
    async with database.transaction() as db:
        await db.execute(
            insert(outreach).values(
                id=outreach_id,
                workspace_id=workspace_id,
                person_id=person_id,
                channel="email",
                strategy="warm",
                introduced_by_id=None,
                template_id=None,
                subject=subject,
                body=None,
                status="sent" if sent_at else "draft",
                sent_at=sent_at,
                responded_at=None,
                interview_id=None,
                notes=None,
                created_at=created_at,
                updated_at=created_at,
            )
        )
    return outreach_id


async def add_lead(
    database: Database, workspace_id: str, person_id: str, created_at: datetime
) -> str:
    lead_id = ids.new_id("led")
    async with database.transaction() as db:
        await db.execute(
            insert(leads).values(
                id=lead_id,
                workspace_id=workspace_id,
                organisation_id=None,
                title="Grid analyst",
                source_person_id=person_id,
                source_interview_id=None,
                status="heard_of",
                url=None,
                notes=None,
                created_at=created_at,
                updated_at=created_at,
            )
        )
    return lead_id


async def add_follow_up(
    database: Database, workspace_id: str, person_id: str, due_at: datetime | None
) -> str:
    async with database.transaction() as db:
        row = await create_follow_up(
            db,
            workspace_id=workspace_id,
            kind="thank_you",
            title="Send a thank-you note",
            due_at=due_at,
            person_id=person_id,
        )
    return str(row["id"])


def timeline_url(account: Account, person_id: str) -> str:
    return f"{workspace_path(account)}/people/{person_id}/timeline"


async def read_all(
    client: httpx.AsyncClient, account: Account, person_id: str, limit: int
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(20):
        response = await client.get(
            timeline_url(account, person_id), params=params, headers=account.headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["data"]) <= limit
        entries.extend(page["data"])
        if not page["has_more"]:
            return entries
        params["cursor"] = page["next_cursor"]
    raise AssertionError("more pages than the test created")


async def test_mixed_kinds_come_newest_first_and_page_without_gaps(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    ws = owner.workspace_id
    person = await make_person(database, ws, "Ines Rao")
    other = await make_person(database, ws, "Someone Else")
    sent = await add_outreach(database, ws, person, sent_at=T0 + timedelta(days=1), created_at=T0)
    draft = await add_outreach(
        database, ws, person, sent_at=None, created_at=T0 + timedelta(days=2), subject=None
    )
    interview = await insert_interview(database, ws, person, scheduled_at=T0 + timedelta(days=5))
    due = await add_follow_up(database, ws, person, T0 + timedelta(days=7))
    lead = await add_lead(database, ws, person, T0 + timedelta(days=3))
    # Same instant, different kinds: the kind then the id break the tie.
    tie_lead = await add_lead(database, ws, person, T0 + timedelta(days=1))
    await add_outreach(database, ws, other, sent_at=T0, created_at=T0)
    await add_lead(database, ws, other, T0)

    entries = await read_all(client, owner, person, limit=2)

    assert [(e["kind"], e["id"]) for e in entries] == [
        ("follow_up", due),
        ("interview", interview),
        ("lead", lead),
        ("outreach", draft),
        ("outreach", sent),
        ("lead", tie_lead),
    ]
    assert all(e["object"] == "timeline_entry" for e in entries)
    by_id = {e["id"]: e for e in entries}
    assert by_id[sent] == {
        "object": "timeline_entry",
        "kind": "outreach",
        "id": sent,
        "occurred_at": "2026-11-02T12:00:00Z",
        "summary": "Email: Coffee?",
        "status": "sent",
    }
    assert by_id[draft]["summary"] == "Email outreach"
    assert by_id[draft]["status"] == "draft"
    assert by_id[interview]["summary"] == "Interview"
    assert by_id[interview]["status"] == "planned"
    assert by_id[due]["summary"] == "Send a thank-you note"
    assert by_id[due]["status"] == "open"
    assert by_id[lead]["summary"] == "Lead: Grid analyst"
    assert by_id[lead]["occurred_at"] == "2026-11-04T12:00:00Z"
    assert entries == await read_all(client, owner, person, limit=100)


async def test_undated_records_fall_back_to_when_they_were_created(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await make_person(database, owner.workspace_id)
    before = utcnow()
    interview = await insert_interview(database, owner.workspace_id, person)
    follow_up = await add_follow_up(database, owner.workspace_id, person, None)

    entries = await read_all(client, owner, person, limit=10)

    assert [e["id"] for e in entries] == [follow_up, interview]
    for entry in entries:
        assert datetime.fromisoformat(entry["occurred_at"]) >= before


async def test_empty_timeline_and_bad_input(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    person = await make_person(database, owner.workspace_id)
    response = await client.get(timeline_url(viewer, person), headers=viewer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"object": "list", "data": [], "has_more": False, "next_cursor": None}

    for params in ({"cursor": "garbage"}, {"limit": 0}, {"limit": 101}, {"kind": "lead"}):
        bad = await client.get(timeline_url(owner, person), params=params, headers=owner.headers)
        assert_problem(bad, 422, "validation_failed")


async def test_another_workspaces_person_is_not_found(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client, name="Stranger")
    foreign = await make_person(database, stranger.workspace_id)
    await add_lead(database, stranger.workspace_id, foreign, T0)
    for person_id in (foreign, ids.new_id("per"), "per_nope"):
        response = await client.get(timeline_url(owner, person_id), headers=owner.headers)
        assert_problem(response, 404, "not_found")


async def test_api_keys_see_only_the_kinds_they_may_read(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    ws = owner.workspace_id
    person = await make_person(database, ws)
    await add_outreach(database, ws, person, sent_at=T0, created_at=T0)
    interview = await insert_interview(database, ws, person, scheduled_at=T0 + timedelta(days=1))
    await add_lead(database, ws, person, T0 + timedelta(days=2))
    url = f"{workspace_path(owner)}/people/{person}/timeline"
    for scopes, kinds in (
        (["people:read"], []),
        (["people:read", "interviews:read"], ["interview"]),
        (["people:read", "leads:read", "outreach:read"], ["lead", "outreach"]),
    ):
        key = await create_api_key(client, owner, scopes)
        response = await client.get(url, headers=bearer(key["secret"]))
        assert response.status_code == 200, response.text
        assert [e["kind"] for e in response.json()["data"]] == kinds
    full = (await client.get(url, headers=owner.headers)).json()["data"]
    assert [e["kind"] for e in full] == ["lead", "interview", "outreach"]
    assert full[1]["id"] == interview
