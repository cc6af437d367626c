"""`/v1/workspaces/{workspace_id}/leads`: create, read, change, delete, list; references stay in
the workspace and a rejected write changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from app.core import ids
from app.core.db import Database
from app.leads.models import leads
from tests.conftest import Account, assert_problem, signup
from tests.referrals.factories import (
    insert_interview,
    insert_organisation,
    make_person,
    stored_follow_ups,
    workspace_path,
)


def collection(account: Account) -> str:
    return f"{workspace_path(account)}/leads"


async def create_lead(client: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        collection(account), json={"title": "Data analyst", **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def stored_leads(database: Database, workspace_id: str) -> list[dict[str, Any]]:
    return await database.reader().all(
        select(*leads.c).where(leads.c.workspace_id == workspace_id).order_by(leads.c.id)
    )


async def test_create_stores_every_field_and_get_reads_it(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await insert_organisation(database, owner.workspace_id)
    person_id = await make_person(database, owner.workspace_id)
    interview_id = await insert_interview(database, owner.workspace_id, person_id)
    sent = {
        "organisation_id": organisation_id,
        "title": "Grid analyst",
        "source_person_id": person_id,
        "source_interview_id": interview_id,
        "status": "introduced",
        "url": "https://jobs.example.com/123",
        "notes": "Not advertised yet.",
    }

    response = await client.post(collection(owner), json=sent, headers=owner.headers)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["object"] == "lead"
    assert body["id"].startswith("led_")
    assert body["workspace_id"] == owner.workspace_id
    assert {k: body[k] for k in sent} == sent
    assert response.headers["location"] == f"{collection(owner)}/{body['id']}"
    got = await client.get(response.headers["location"], headers=owner.headers)
    assert got.json() == body
    assert got.headers["etag"] == response.headers["etag"]
    assert await stored_follow_ups(database, owner.workspace_id) == []


async def test_defaults_and_source_person_from_the_interview(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview_id = await insert_interview(database, owner.workspace_id, person_id)

    plain = await create_lead(client, owner)
    from_interview = await create_lead(client, owner, source_interview_id=interview_id)
    explicit_none = await create_lead(
        client, owner, source_interview_id=interview_id, source_person_id=None
    )

    assert plain["status"] == "heard_of"
    assert plain["organisation_id"] is None
    assert plain["url"] is None
    assert from_interview["source_person_id"] == person_id
    assert explicit_none["source_person_id"] is None


async def test_follow_up_due_at_creates_an_act_on_lead_follow_up(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)

    lead = await create_lead(
        client,
        owner,
        title="Grid analyst",
        source_person_id=person_id,
        follow_up_due_at="2026-12-01T09:00:00+01:00",
    )

    assert "follow_up_due_at" not in lead
    [task] = await stored_follow_ups(database, owner.workspace_id)
    assert task["kind"] == "act_on_lead"
    assert task["lead_id"] == lead["id"]
    assert task["person_id"] == person_id
    assert task["title"] == "Act on lead: Grid analyst"
    assert task["due_at"] == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert task["status"] == "open"

    # Deleting the lead takes its follow-up with it.
    response = await client.delete(f"{collection(owner)}/{lead['id']}", headers=owner.headers)
    assert response.status_code == 204
    assert await stored_follow_ups(database, owner.workspace_id) == []
    assert await stored_leads(database, owner.workspace_id) == []


async def test_bad_input_is_422_and_keeps_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client, name="Stranger")
    foreign_person = await make_person(database, stranger.workspace_id)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "/title", "missing"),
        ({"title": ""}, "/title", "string_too_short"),
        ({"title": "x" * 201}, "/title", "string_too_long"),
        ({"title": "A", "status": "hired"}, "/status", "enum"),
        ({"title": "A", "url": "ftp://example.com"}, "/url", "invalid_url"),
        ({"title": "A", "url": "https://e.com/" + "x" * 2048}, "/url", "string_too_long"),
        ({"title": "A", "notes": "x" * 10_001}, "/notes", "string_too_long"),
        ({"title": "A", "salary": 1}, "/salary", "extra_forbidden"),
        ({"title": "A", "follow_up_due_at": "2026-12-01T09:00:00"}, "/follow_up_due_at", ""),
        (
            {"title": "A", "organisation_id": ids.new_id("org")},
            "/organisation_id",
            "organisation_not_found",
        ),
        (
            {"title": "A", "source_person_id": foreign_person},
            "/source_person_id",
            "person_not_found",
        ),
        ({"title": "A", "source_person_id": "per_nope"}, "/source_person_id", "person_not_found"),
        (
            {"title": "A", "source_interview_id": ids.new_id("int")},
            "/source_interview_id",
            "interview_not_found",
        ),
        (
            {
                "title": "A",
                "source_interview_id": ids.new_id("per"),
                "follow_up_due_at": "2026-12-01T09:00:00Z",
            },
            "/source_interview_id",
            "interview_not_found",
        ),
    ]
    for payload, pointer, code in cases:
        response = await client.post(collection(owner), json=payload, headers=owner.headers)
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"][0]["pointer"] == pointer, body
        if code:
            assert body["errors"][0]["code"] == code, body
    assert await stored_leads(database, owner.workspace_id) == []
    assert await stored_follow_ups(database, owner.workspace_id) == []


async def test_patch_merges_and_honours_if_match(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await insert_organisation(database, owner.workspace_id)
    lead = await create_lead(client, owner, notes="keep", url="https://e.com/job")
    url = f"{collection(owner)}/{lead['id']}"
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]

    response = await client.patch(
        url,
        json={"status": "applied", "organisation_id": organisation_id, "url": None},
        headers={**owner.headers, "If-Match": etag},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "applied"
    assert body["organisation_id"] == organisation_id
    assert body["url"] is None
    assert body["notes"] == "keep"
    assert body["updated_at"] > lead["updated_at"]

    before = await stored_leads(database, owner.workspace_id)
    stale = await client.patch(
        url, json={"title": "New"}, headers={**owner.headers, "If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    for payload, code in (
        ({"title": None}, "string_type"),
        ({"status": None}, "enum"),
        ({"organisation_id": ids.new_id("org")}, "organisation_not_found"),
        ({"follow_up_due_at": "2026-12-01T09:00:00Z"}, "extra_forbidden"),
    ):
        bad = await client.patch(url, json=payload, headers=owner.headers)
        problem = assert_problem(bad, 422, "validation_failed")
        assert problem["errors"][0]["code"] == code, problem
    stale_delete = await client.delete(url, headers={**owner.headers, "If-Match": etag})
    assert_problem(stale_delete, 412, "precondition_failed")
    assert await stored_leads(database, owner.workspace_id) == before

    empty = await client.patch(url, json={}, headers=owner.headers)
    assert empty.json() == body


async def test_list_filters_and_sorts(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await insert_organisation(database, owner.workspace_id)
    person_id = await make_person(database, owner.workspace_id)
    first = await create_lead(client, owner, title="one", organisation_id=organisation_id)
    second = await create_lead(client, owner, title="two", status="applied")
    third = await create_lead(client, owner, title="three", source_person_id=person_id)
    await client.patch(
        f"{collection(owner)}/{first['id']}", json={"notes": "touched"}, headers=owner.headers
    )

    async def titles(**params: Any) -> list[str]:
        response = await client.get(collection(owner), params=params, headers=owner.headers)
        assert response.status_code == 200, response.text
        return [lead["title"] for lead in response.json()["data"]]

    assert await titles() == ["one", "two", "three"]
    assert await titles(sort="-created_at") == ["three", "two", "one"]
    assert await titles(sort="updated_at") == ["two", "three", "one"]
    assert await titles(sort="-updated_at") == ["one", "three", "two"]
    assert await titles(status="applied") == ["two"]
    assert await titles(organisation_id=organisation_id) == ["one"]
    assert await titles(source_person_id=person_id) == ["three"]
    assert await titles(source_person_id=ids.new_id("per")) == []

    page = (await client.get(collection(owner), params={"limit": 2}, headers=owner.headers)).json()
    assert page["has_more"] is True
    rest = (
        await client.get(
            collection(owner),
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=owner.headers,
        )
    ).json()
    assert [lead["id"] for lead in page["data"] + rest["data"]] == [
        first["id"],
        second["id"],
        third["id"],
    ]
    assert rest["has_more"] is False

    for params in ({"sort": "title"}, {"status": "hired"}, {"colour": "red"}, {"limit": 101}):
        response = await client.get(collection(owner), params=params, headers=owner.headers)
        assert_problem(response, 422, "validation_failed")


async def test_viewer_reads_but_cannot_write(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    lead = await create_lead(client, owner)
    url = f"{collection(owner)}/{lead['id']}"
    before = await stored_leads(database, owner.workspace_id)

    assert (await client.get(url, headers=viewer.headers)).status_code == 200
    assert (await client.get(collection(viewer), headers=viewer.headers)).status_code == 200
    for response in (
        await client.post(collection(viewer), json={"title": "x"}, headers=viewer.headers),
        await client.patch(url, json={"title": "x"}, headers=viewer.headers),
        await client.delete(url, headers=viewer.headers),
    ):
        assert_problem(response, 403, "forbidden")
    assert await stored_leads(database, owner.workspace_id) == before


async def test_other_workspaces_leads_are_not_found(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    lead = await create_lead(client, owner)
    stranger = await signup(client, name="Stranger")
    before = await stored_leads(database, owner.workspace_id)
    foreign = f"/v1/workspaces/{stranger.workspace_id}/leads/{lead['id']}"

    for response in (
        await client.get(foreign, headers=stranger.headers),
        await client.patch(foreign, json={"title": "x"}, headers=stranger.headers),
        await client.delete(foreign, headers=stranger.headers),
        await client.get(f"{collection(owner)}/led_nope", headers=owner.headers),
        await client.get(f"{collection(owner)}/{ids.new_id('per')}", headers=owner.headers),
    ):
        assert_problem(response, 404, "not_found")
    listed = await client.get(
        f"/v1/workspaces/{stranger.workspace_id}/leads", headers=stranger.headers
    )
    assert listed.json()["data"] == []
    assert await stored_leads(database, owner.workspace_id) == before
