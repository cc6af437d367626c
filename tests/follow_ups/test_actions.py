"""Follow-up actions: every valid transition, every refusal (409, nothing changes), on time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.db import Database
from tests.conftest import Account, assert_problem
from tests.follow_ups.factories import act, create_follow_up, iso, stored_follow_ups

LATER = iso(datetime.now(UTC) + timedelta(days=3))
BODIES: dict[str, dict[str, Any] | None] = {"complete": {}, "snooze": {"until": LATER}}
# How to reach each status from a new (open) follow-up.
ROUTES = {
    "open": [],
    "done": ["complete"],
    "snoozed": ["snooze"],
    "dismissed": ["dismiss"],
}
ALLOWED = {
    "open": ["complete", "snooze", "dismiss"],
    "done": ["reopen"],
    "snoozed": ["complete", "snooze", "dismiss", "reopen"],
    "dismissed": ["reopen"],
}
RESULT = {"complete": "done", "snooze": "snoozed", "dismiss": "dismissed", "reopen": "open"}


async def _in_status(client: httpx.AsyncClient, owner: Account, status: str) -> dict[str, Any]:
    follow_up = await create_follow_up(client, owner, due_at="2026-12-01T09:00:00Z")
    for action in ROUTES[status]:
        response = await act(client, owner, follow_up["id"], action, BODIES.get(action))
        assert response.status_code == 200, response.text
        follow_up = response.json()
    assert follow_up["status"] == status
    assert follow_up["allowed_actions"] == ALLOWED[status]
    return follow_up


@pytest.mark.parametrize("status", list(ROUTES))
@pytest.mark.parametrize("action", list(RESULT))
async def test_each_action_from_each_status(
    client: httpx.AsyncClient, owner: Account, database: Database, status: str, action: str
) -> None:
    follow_up = await _in_status(client, owner, status)
    before = await stored_follow_ups(database, owner.workspace_id)
    response = await act(client, owner, follow_up["id"], action, BODIES.get(action))
    if action in ALLOWED[status]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == RESULT[action]
        assert response.headers["etag"]
        return
    problem = assert_problem(response, 409, "invalid_transition")
    assert problem["current_status"] == status
    assert problem["allowed_actions"] == ALLOWED[status]
    assert await stored_follow_ups(database, owner.workspace_id) == before


async def test_complete_records_channel_notes_and_on_time(
    client: httpx.AsyncClient, owner: Account
) -> None:
    follow_up = await create_follow_up(client, owner, due_at="2026-12-01T09:00:00Z", notes="old")
    response = await act(
        client,
        owner,
        follow_up["id"],
        "complete",
        {"completed_at": "2026-12-01T10:00:00+01:00", "channel": "email", "notes": "Sent."},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "done"
    assert body["completed_at"] == "2026-12-01T09:00:00Z"
    assert body["on_time"] is True  # exactly at the due time counts as on time
    assert body["channel"] == "email"
    assert body["notes"] == "Sent."


async def test_late_completion_is_not_on_time(client: httpx.AsyncClient, owner: Account) -> None:
    follow_up = await create_follow_up(client, owner, due_at="2026-12-01T09:00:00Z", notes="kept")
    response = await act(
        client, owner, follow_up["id"], "complete", {"completed_at": "2026-12-01T09:00:01Z"}
    )
    body = response.json()
    assert body["on_time"] is False
    assert body["notes"] == "kept"  # notes not sent are kept
    assert body["channel"] is None


async def test_without_a_due_time_on_time_is_null_and_completed_at_defaults_to_now(
    client: httpx.AsyncClient, owner: Account
) -> None:
    follow_up = await create_follow_up(client, owner)
    before = datetime.now(UTC)
    body = (await act(client, owner, follow_up["id"], "complete")).json()
    assert body["on_time"] is None
    completed_at = datetime.fromisoformat(body["completed_at"])
    assert before <= completed_at <= datetime.now(UTC)


async def test_snooze_moves_the_due_time_and_reopen_clears_the_outcome(
    client: httpx.AsyncClient, owner: Account
) -> None:
    follow_up = await create_follow_up(client, owner, due_at="2026-12-01T09:00:00Z")
    snoozed = (await act(client, owner, follow_up["id"], "snooze", {"until": LATER})).json()
    assert snoozed["snoozed_until"] == LATER
    assert snoozed["due_at"] == LATER
    done = (await act(client, owner, follow_up["id"], "complete", {"channel": "phone"})).json()
    assert done["snoozed_until"] is None
    assert done["on_time"] is True
    reopened = (await act(client, owner, follow_up["id"], "reopen")).json()
    assert reopened["status"] == "open"
    assert reopened["due_at"] == LATER
    for field in ("completed_at", "channel", "on_time", "snoozed_until"):
        assert reopened[field] is None


@pytest.mark.parametrize(
    ("body", "pointer", "code"),
    [
        ({}, "/until", "missing"),
        ({"until": "2020-01-01T00:00:00Z"}, "/until", "in_the_past"),
        ({"until": "2030-01-01T00:00:00"}, "/until", "timezone_aware"),
        ({"until": LATER, "note": "x"}, "/note", "extra_forbidden"),
    ],
)
async def test_bad_snooze_changes_nothing(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    body: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    follow_up = await create_follow_up(client, owner)
    before = await stored_follow_ups(database, owner.workspace_id)
    problem = assert_problem(
        await act(client, owner, follow_up["id"], "snooze", body), 422, "validation_failed"
    )
    assert (pointer, code) in [(e.get("pointer"), e["code"]) for e in problem["errors"]]
    assert await stored_follow_ups(database, owner.workspace_id) == before


async def test_bad_complete_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    follow_up = await create_follow_up(client, owner)
    before = await stored_follow_ups(database, owner.workspace_id)
    for body in ({"channel": "pigeon"}, {"completed_at": "yesterday"}, {"status": "done"}):
        response = await act(client, owner, follow_up["id"], "complete", body)
        assert_problem(response, 422, "validation_failed")
    assert await stored_follow_ups(database, owner.workspace_id) == before
