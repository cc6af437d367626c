"""Outreach actions: the transition table, the person's progress, accepting into an interview."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.outreach.factories import (
    act,
    create_outreach,
    item_url,
    stored_interviews,
    stored_outreach,
    stored_person,
)
from tests.people.factories import create_person

ACTIONS = ("send", "accept", "decline", "no_response")
# How to reach each status from a new draft.
ROUTES = {
    "draft": [],
    "sent": ["send"],
    "no_response": ["send", "no_response"],
    "accepted": ["send", "accept"],
    "declined": ["send", "decline"],
}
ALLOWED = {
    "draft": ["send"],
    "sent": ["accept", "decline", "no_response"],
    "no_response": ["accept", "decline"],
    "accepted": [],
    "declined": [],
}
RESULT = {"send": "sent", "accept": "accepted", "decline": "declined", "no_response": "no_response"}


def _at(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


async def _reach(
    client: httpx.AsyncClient, owner: Account, person_id: str, status: str
) -> dict[str, Any]:
    item = await create_outreach(client, owner, person_id)
    for action in ROUTES[status]:
        response = await act(client, owner, item["id"], action)
        assert response.status_code == 200, response.text
        item = response.json()
    assert item["status"] == status
    return item


@pytest.mark.parametrize("status", list(ROUTES))
async def test_the_transition_table(
    client: httpx.AsyncClient, database: Database, owner: Account, status: str
) -> None:
    person = await create_person(client, owner)
    for action in ACTIONS:
        item = await _reach(client, owner, person["id"], status)
        assert item["allowed_actions"] == ALLOWED[status]
        response = await act(client, owner, item["id"], action)
        if action in ALLOWED[status]:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == RESULT[action]
            assert response.json()["allowed_actions"] == ALLOWED[RESULT[action]]
        else:
            problem = assert_problem(response, 409, "invalid_transition")
            assert problem["current_status"] == status
            assert problem["allowed_actions"] == ALLOWED[status]
            got = await client.get(item_url(owner, item["id"]), headers=owner.headers)
            assert got.json() == item


async def test_sending_records_the_contact(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(client, owner, person["id"])
    response = await act(
        client, owner, item["id"], "send", {"sent_at": "2026-11-20T10:00:00+01:00"}
    )
    assert response.status_code == 200, response.text
    sent = response.json()
    assert sent["status"] == "sent"
    assert sent["sent_at"] == "2026-11-20T09:00:00Z"
    stored = await stored_person(database, person["id"])
    assert stored["relationship_stage"] == "contacted"
    assert _at(stored["last_contacted_at"]) == "2026-11-20T09:00:00Z"
    assert _at(stored["updated_at"]) > person["updated_at"]


async def test_send_defaults_to_now(client: httpx.AsyncClient, owner: Account) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(client, owner, person["id"])
    sent = (await act(client, owner, item["id"], "send")).json()
    assert sent["sent_at"] >= item["created_at"]


async def test_recording_a_past_call_as_sent(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(
        client, owner, person["id"], channel="phone", status="sent", sent_at="2026-11-18T15:00:00Z"
    )
    assert item["status"] == "sent"
    assert item["sent_at"] == "2026-11-18T15:00:00Z"
    assert item["allowed_actions"] == ALLOWED["sent"]
    stored = await stored_person(database, person["id"])
    assert stored["relationship_stage"] == "contacted"
    assert _at(stored["last_contacted_at"]) == "2026-11-18T15:00:00Z"
    now = await create_outreach(client, owner, person["id"], status="sent")
    assert now["sent_at"] is not None


async def test_last_contacted_at_only_moves_forward(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    await create_outreach(
        client, owner, person["id"], status="sent", sent_at="2026-11-20T09:00:00Z"
    )
    # An older attempt, recorded later, does not make the last contact older.
    await create_outreach(
        client, owner, person["id"], status="sent", sent_at="2026-10-01T09:00:00Z"
    )
    stored = await stored_person(database, person["id"])
    assert _at(stored["last_contacted_at"]) == "2026-11-20T09:00:00Z"
    await create_outreach(
        client, owner, person["id"], status="sent", sent_at="2026-11-22T09:00:00Z"
    )
    stored = await stored_person(database, person["id"])
    assert _at(stored["last_contacted_at"]) == "2026-11-22T09:00:00Z"


@pytest.mark.parametrize(
    ("stage", "after_send", "after_answer"),
    [
        ("identified", "contacted", "responded"),
        ("dormant", "contacted", "responded"),
        ("contacted", "contacted", "responded"),
        ("responded", "responded", "responded"),
        ("interviewed", "interviewed", "interviewed"),
        ("in_touch", "in_touch", "in_touch"),
    ],
)
@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_stages_move_forward_never_back(
    client: httpx.AsyncClient,
    database: Database,
    owner: Account,
    stage: str,
    after_send: str,
    after_answer: str,
    answer: str,
) -> None:
    person = await create_person(client, owner, relationship_stage=stage)
    item = await create_outreach(client, owner, person["id"])
    await act(client, owner, item["id"], "send")
    assert (await stored_person(database, person["id"]))["relationship_stage"] == after_send
    body = {"create_interview": False} if answer == "accept" else {}
    response = await act(client, owner, item["id"], answer, body)
    assert response.status_code == 200, response.text
    assert (await stored_person(database, person["id"]))["relationship_stage"] == after_answer


async def test_no_response_leaves_the_person_alone(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await _reach(client, owner, person["id"], "sent")
    before = await stored_person(database, person["id"])
    assert (await act(client, owner, item["id"], "no_response")).status_code == 200
    assert await stored_person(database, person["id"]) == before


async def test_accept_creates_the_requested_interview(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    organisation = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/organisations",
        json={"name": "Northwind"},
        headers=owner.headers,
    )
    person = await create_person(client, owner, organisation_id=organisation.json()["id"])
    item = await create_outreach(
        client, owner, person["id"], status="sent", sent_at="2026-11-20T09:00:00Z"
    )
    response = await act(
        client,
        owner,
        item["id"],
        "accept",
        {
            "responded_at": "2026-11-21T12:00:00Z",
            "career_field": "Energy",
            "role_of_interest": "Grid analyst",
            "format": "video",
            "timezone": "Europe/London",
            "duration_minutes": 20,
        },
    )
    assert response.status_code == 200, response.text
    accepted = response.json()
    assert accepted["status"] == "accepted"
    assert accepted["responded_at"] == "2026-11-21T12:00:00Z"
    assert accepted["allowed_actions"] == []
    interview_id = accepted["interview_id"]
    assert interview_id is not None
    interview = (
        await client.get(
            f"/v1/workspaces/{owner.workspace_id}/interviews/{interview_id}", headers=owner.headers
        )
    ).json()
    assert interview["status"] == "requested"
    assert interview["person_id"] == person["id"]
    assert interview["organisation_id"] == organisation.json()["id"]
    assert interview["career_field"] == "Energy"
    assert interview["role_of_interest"] == "Grid analyst"
    assert interview["format"] == "video"
    assert interview["timezone"] == "Europe/London"
    assert interview["duration_minutes"] == 20
    assert (await stored_person(database, person["id"]))["relationship_stage"] == "responded"


async def test_accept_with_defaults(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await _reach(client, owner, person["id"], "no_response")  # a late answer
    accepted = (await act(client, owner, item["id"], "accept")).json()
    assert accepted["status"] == "accepted"
    assert accepted["responded_at"] >= accepted["sent_at"]
    [interview] = await stored_interviews(database, person["id"])
    assert interview["id"] == accepted["interview_id"]
    assert interview["status"] == "requested"
    assert interview["duration_minutes"] == 15


async def test_accept_without_an_interview(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await _reach(client, owner, person["id"], "sent")
    accepted = (await act(client, owner, item["id"], "accept", {"create_interview": False})).json()
    assert accepted["status"] == "accepted"
    assert accepted["interview_id"] is None
    assert await stored_interviews(database, person["id"]) == []


async def test_accept_keeps_an_interview_already_linked(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    interview = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/interviews",
        json={"person_id": person["id"]},
        headers=owner.headers,
    )
    item = await _reach(client, owner, person["id"], "sent")
    await client.patch(
        item_url(owner, item["id"]),
        json={"interview_id": interview.json()["id"]},
        headers=owner.headers,
    )
    accepted = (await act(client, owner, item["id"], "accept")).json()
    assert accepted["interview_id"] == interview.json()["id"]
    assert len(await stored_interviews(database, person["id"])) == 1


async def test_a_failed_accept_keeps_nothing(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    # The interview is created after the person has already been moved on: its refusal must
    # undo that too (one transaction).
    stranger = await signup(client, name="Stranger")
    foreign = await client.post(
        f"/v1/workspaces/{stranger.workspace_id}/organisations",
        json={"name": "Elsewhere"},
        headers=stranger.headers,
    )
    person = await create_person(client, owner)
    item = await _reach(client, owner, person["id"], "sent")
    outreach_before = await stored_outreach(database, owner.workspace_id)
    person_before = await stored_person(database, person["id"])
    assert person_before["relationship_stage"] == "contacted"
    response = await act(
        client, owner, item["id"], "accept", {"organisation_id": foreign.json()["id"]}
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["pointer"] == "/organisation_id"
    assert problem["errors"][0]["code"] == "organisation_not_found"
    assert await stored_outreach(database, owner.workspace_id) == outreach_before
    assert await stored_person(database, person["id"]) == person_before
    assert await stored_interviews(database, person["id"]) == []


@pytest.mark.parametrize(
    ("action", "body", "pointer", "code"),
    [
        (
            "accept",
            {"responded_at": "2026-11-19T09:00:00Z"},
            "/responded_at",
            "responded_before_sent",
        ),
        (
            "decline",
            {"responded_at": "2026-11-19T09:00:00Z"},
            "/responded_at",
            "responded_before_sent",
        ),
        ("accept", {"responded_at": "2026-11-21T09:00:00"}, "/responded_at", "timezone_aware"),
        (
            "accept",
            {"create_interview": False, "career_field": "x"},
            "/create_interview",
            "interview_fields_unused",
        ),
        ("accept", {"create_interview": "yes"}, "/create_interview", "bool_type"),
        ("accept", {"timezone": "Mars/Olympus"}, "/timezone", "invalid_timezone"),
        ("accept", {"duration_minutes": 500}, "/duration_minutes", "less_than_equal"),
        ("accept", {"duration_minutes": True}, "/duration_minutes", "int_type"),
        ("accept", {"duration_minutes": 15.5}, "/duration_minutes", "int_type"),
        ("accept", {"duration_minutes": "15"}, "/duration_minutes", "int_type"),
        ("accept", {"status": "scheduled"}, "/status", "extra_forbidden"),
        ("decline", {"create_interview": True}, "/create_interview", "extra_forbidden"),
        ("send", {"sent_at": "2026-11-21T09:00:00Z"}, None, None),
    ],
)
async def test_bad_action_input_changes_nothing(
    client: httpx.AsyncClient,
    database: Database,
    owner: Account,
    action: str,
    body: dict[str, Any],
    pointer: str | None,
    code: str | None,
) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(
        client, owner, person["id"], status="sent", sent_at="2026-11-20T09:00:00Z"
    )
    outreach_before = await stored_outreach(database, owner.workspace_id)
    person_before = await stored_person(database, person["id"])
    response = await act(client, owner, item["id"], action, body)
    if code is None:  # `send` on a sent outreach: the transition is refused first
        assert_problem(response, 409, "invalid_transition")
    elif code == "responded_before_sent":  # valid alone; conflicts with the stored sent_at
        problem = assert_problem(response, 409, code)
        assert problem["errors"][0]["pointer"] == pointer
    else:
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["pointer"] == pointer
        assert problem["errors"][0]["code"] == code
    assert await stored_outreach(database, owner.workspace_id) == outreach_before
    assert await stored_person(database, person["id"]) == person_before
    assert await stored_interviews(database, person["id"]) == []


async def test_actions_honour_if_match(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await _reach(client, owner, person["id"], "sent")
    url = item_url(owner, item["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    await client.patch(url, json={"notes": "changed meanwhile"}, headers=owner.headers)
    for action in ("accept", "decline", "no_response"):
        response = await act(client, owner, item["id"], action, if_match=etag)
        assert_problem(response, 412, "precondition_failed")
    assert [r["status"] for r in await stored_outreach(database, owner.workspace_id)] == ["sent"]
    assert await stored_interviews(database, person["id"]) == []
    current = (await client.get(url, headers=owner.headers)).headers["etag"]
    response = await act(client, owner, item["id"], "decline", if_match=current)
    assert response.status_code == 200
    assert response.json()["status"] == "declined"


async def test_an_action_on_a_missing_outreach_is_404(
    client: httpx.AsyncClient, owner: Account
) -> None:
    for action in ACTIONS:
        response = await act(client, owner, ids.new_id("out"), action)
        assert_problem(response, 404, "not_found")


async def test_deleting_the_interview_or_introducer_clears_the_links(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    introducer = await create_person(client, owner, given_name="Mary")
    item = await create_outreach(client, owner, person["id"], introduced_by_id=introducer["id"])
    await act(client, owner, item["id"], "send")
    accepted = (await act(client, owner, item["id"], "accept")).json()
    base = f"/v1/workspaces/{owner.workspace_id}"
    deleted = await client.delete(
        f"{base}/interviews/{accepted['interview_id']}", headers=owner.headers
    )
    assert deleted.status_code == 204
    deleted = await client.delete(f"{base}/people/{introducer['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    got = (await client.get(item_url(owner, item["id"]), headers=owner.headers)).json()
    assert got["interview_id"] is None
    assert got["introduced_by_id"] is None
    assert got["status"] == "accepted"


async def test_accepting_into_an_interview_needs_interviews_write(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await _reach(client, owner, person["id"], "sent")
    key = await create_api_key(client, owner, ["outreach:write"])
    url = f"{item_url(owner, item['id'])}/accept"
    refused = await client.post(url, json={}, headers=bearer(key["secret"]))
    assert assert_problem(refused, 403, "insufficient_scope")["scope"] == "interviews:write"
    assert await stored_interviews(database, person["id"]) == []
    stored = await client.get(item_url(owner, item["id"]), headers=owner.headers)
    assert stored.json()["status"] == "sent"
    accepted = await client.post(
        url, json={"create_interview": False}, headers=bearer(key["secret"])
    )
    assert accepted.status_code == 200, accepted.text
