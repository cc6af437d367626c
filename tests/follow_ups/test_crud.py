"""Follow-ups CRUD over HTTP: defaults, references, merge patch, ETags, access, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from tests.conftest import Account, assert_problem, signup
from tests.follow_ups.factories import collection, create_follow_up, item, stored_follow_ups
from tests.interviews.factories import create_interview, make_person


async def test_create_defaults_the_title_from_the_kind_and_starts_open(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(
        collection(owner), json={"kind": "share_update"}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == item(owner, body["id"])
    assert response.headers["etag"]
    assert body["id"].startswith("fup_")
    assert body["object"] == "follow_up"
    assert body["title"] == "Share an update"
    assert body["status"] == "open"
    assert body["allowed_actions"] == ["complete", "snooze", "dismiss"]
    for field in ("due_at", "person_id", "interview_id", "lead_id", "notes", "snoozed_until"):
        assert body[field] is None
    assert body["completed_at"] is None
    assert body["channel"] is None
    assert body["on_time"] is None


async def test_create_with_every_field_and_read_it_back(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    body = await create_follow_up(
        client,
        owner,
        kind="send_introduction_request",
        title="Ask Grace to introduce me to Lin",
        notes="She offered at the end of our call.",
        due_at="2026-12-01T09:00:00+01:00",
        person_id=person_id,
    )
    assert body["due_at"] == "2026-12-01T08:00:00Z"
    assert body["person_id"] == person_id
    got = await client.get(item(owner, body["id"]), headers=owner.headers)
    assert got.status_code == 200
    assert got.json() == body


async def test_an_interview_without_a_person_names_the_interviewee(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    body = await create_follow_up(client, owner, interview_id=interview["id"])
    assert body["interview_id"] == interview["id"]
    assert body["person_id"] == person_id


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("person_id", "person_not_found"),
        ("interview_id", "interview_not_found"),
        ("lead_id", "lead_not_found"),
    ],
)
@pytest.mark.parametrize("value", ["nope", "org_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d", "foreign"])
async def test_references_must_be_of_the_workspace(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    field: str,
    code: str,
    value: str,
) -> None:
    if value == "foreign":
        stranger = await signup(client)
        person_id = await make_person(database, stranger.workspace_id)
        value = {
            "person_id": person_id,
            "interview_id": (await create_interview(client, stranger, person_id))["id"],
            "lead_id": ids.new_id("led"),
        }[field]
    before = await stored_follow_ups(database, owner.workspace_id)
    response = await client.post(
        collection(owner), json={"kind": "custom", field: value}, headers=owner.headers
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == [
        {"pointer": f"/{field}", "detail": problem["errors"][0]["detail"], "code": code}
    ]
    assert await stored_follow_ups(database, owner.workspace_id) == before


@pytest.mark.parametrize(
    ("body", "pointer", "code"),
    [
        ({}, "/kind", "missing"),
        ({"kind": "party"}, "/kind", "enum"),
        ({"kind": "custom", "title": ""}, "/title", "string_too_short"),
        ({"kind": "custom", "title": "x" * 201}, "/title", "string_too_long"),
        ({"kind": "custom", "notes": "x" * 10_001}, "/notes", "string_too_long"),
        ({"kind": "custom", "due_at": "2026-12-01T09:00:00"}, "/due_at", "timezone_aware"),
        ({"kind": "custom", "status": "done"}, "/status", "extra_forbidden"),
        (
            {"kind": "custom", "completed_at": "2026-12-01T09:00:00Z"},
            "/completed_at",
            "extra_forbidden",
        ),
        ({"kind": "custom", "on_time": True}, "/on_time", "extra_forbidden"),
    ],
)
async def test_bad_input_is_a_problem_and_creates_nothing(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    body: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    response = await client.post(collection(owner), json=body, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert (pointer, code) in [(e.get("pointer"), e["code"]) for e in problem["errors"]]
    assert await stored_follow_ups(database, owner.workspace_id) == []


async def test_patch_merges_and_null_clears(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    created = await create_follow_up(
        client, owner, notes="n", due_at="2026-12-01T09:00:00Z", person_id=person_id
    )
    response = await client.patch(
        item(owner, created["id"]),
        json={"title": "Call back", "due_at": None, "kind": "share_update"},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Call back"
    assert body["kind"] == "share_update"
    assert body["due_at"] is None
    assert body["notes"] == "n"
    assert body["person_id"] == person_id
    assert body["updated_at"] > created["updated_at"]


@pytest.mark.parametrize(
    ("patch", "pointer", "code"),
    [
        ({"title": None}, "/title", "not_nullable"),
        ({"kind": None}, "/kind", "not_nullable"),
        ({"status": "done"}, "/status", "extra_forbidden"),
        ({"person_id": "per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"}, "/person_id", "person_not_found"),
        ({"due_at": "tomorrow"}, "/due_at", "datetime_from_date_parsing"),
    ],
)
async def test_bad_patch_changes_nothing(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    patch: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    created = await create_follow_up(client, owner)
    before = await stored_follow_ups(database, owner.workspace_id)
    response = await client.patch(item(owner, created["id"]), json=patch, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert pointer in [e.get("pointer") for e in problem["errors"]]
    if code != "not_nullable":
        assert code in [e["code"] for e in problem["errors"]]
    assert await stored_follow_ups(database, owner.workspace_id) == before


async def test_etags_304_and_412(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    created = await client.post(collection(owner), json={"kind": "custom"}, headers=owner.headers)
    etag = created.headers["etag"]
    url = item(owner, created.json()["id"])
    fresh = await client.get(url, headers={**owner.headers, "If-None-Match": etag})
    assert fresh.status_code == 304
    changed = await client.patch(
        url, json={"title": "New"}, headers={**owner.headers, "If-Match": etag}
    )
    assert changed.status_code == 200
    before = await stored_follow_ups(database, owner.workspace_id)
    for response in (
        await client.patch(url, json={"title": "Old"}, headers={**owner.headers, "If-Match": etag}),
        await client.delete(url, headers={**owner.headers, "If-Match": etag}),
        await client.post(f"{url}/dismiss", headers={**owner.headers, "If-Match": etag}),
    ):
        assert_problem(response, 412, "precondition_failed")
    assert await stored_follow_ups(database, owner.workspace_id) == before
    deleted = await client.delete(
        url, headers={**owner.headers, "If-Match": changed.headers["etag"]}
    )
    assert deleted.status_code == 204
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")


async def test_viewer_reads_but_cannot_write(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    created = await create_follow_up(client, owner)
    url = item(owner, created["id"])
    assert (await client.get(url, headers=viewer.headers)).status_code == 200
    listed = await client.get(collection(owner), headers=viewer.headers)
    assert [f["id"] for f in listed.json()["data"]] == [created["id"]]
    before = await stored_follow_ups(database, owner.workspace_id)
    for response in (
        await client.post(collection(owner), json={"kind": "custom"}, headers=viewer.headers),
        await client.patch(url, json={"title": "x"}, headers=viewer.headers),
        await client.delete(url, headers=viewer.headers),
        await client.post(f"{url}/complete", json={}, headers=viewer.headers),
        await client.post(f"{url}/dismiss", headers=viewer.headers),
    ):
        assert_problem(response, 403, "forbidden")
    assert await stored_follow_ups(database, owner.workspace_id) == before


async def test_editor_writes(client: httpx.AsyncClient, owner: Account, editor: Account) -> None:
    created = await create_follow_up(client, editor)
    response = await client.post(f"{item(owner, created['id'])}/dismiss", headers=editor.headers)
    assert response.status_code == 200


async def test_another_workspaces_follow_up_is_not_found(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client)
    theirs = await create_follow_up(client, stranger)
    mine = f"{collection(owner)}/{theirs['id']}"
    for response in (
        await client.get(mine, headers=owner.headers),
        await client.patch(mine, json={"title": "x"}, headers=owner.headers),
        await client.delete(mine, headers=owner.headers),
        await client.post(f"{mine}/complete", json={}, headers=owner.headers),
        await client.get(f"{collection(owner)}/nope", headers=owner.headers),
        await client.get(
            f"{collection(owner)}/per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d", headers=owner.headers
        ),
    ):
        assert_problem(response, 404, "not_found")
    assert (await stored_follow_ups(database, stranger.workspace_id))[0]["title"] == "Follow up"
    # And the stranger's own workspace is not the owner's to read.
    response = await client.get(collection(stranger), headers=owner.headers)
    assert_problem(response, 404, "not_found")
