"""Lifecycle actions over HTTP: each transition, each refusal (409, nothing changes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.db import Database
from tests.conftest import Account, assert_problem
from tests.interviews.factories import base, create_interview, make_person, stored_interview

WHEN = "2026-12-01T09:30:00Z"
# The path of each action (the action's name, except `no-show`).
PATHS = {
    "request": "request",
    "schedule": "schedule",
    "reschedule": "reschedule",
    "complete": "complete",
    "cancel": "cancel",
    "decline": "decline",
    "no_show": "no-show",
}
BODIES: dict[str, dict[str, Any] | None] = {
    "schedule": {"scheduled_at": WHEN},
    "reschedule": {"scheduled_at": "2026-12-02T10:00:00+01:00"},
    "complete": {},
}
# How to reach each status from a new (planned) interview.
ROUTES = {
    "planned": [],
    "requested": ["request"],
    "scheduled": ["schedule"],
    "completed": ["schedule", "complete"],
    "declined": ["decline"],
    "cancelled": ["cancel"],
    "no_show": ["schedule", "no_show"],
}
ALLOWED = {
    "planned": ["request", "schedule", "decline", "cancel"],
    "requested": ["schedule", "decline", "cancel"],
    "scheduled": ["reschedule", "complete", "cancel", "no_show"],
    "completed": [],
    "declined": [],
    "cancelled": [],
    "no_show": [],
}
RESULT = {
    "request": "requested",
    "schedule": "scheduled",
    "reschedule": "scheduled",
    "complete": "completed",
    "cancel": "cancelled",
    "decline": "declined",
    "no_show": "no_show",
}


async def act(
    client: httpx.AsyncClient, account: Account, interview_id: str, action: str, **extra: Any
) -> httpx.Response:
    body = extra.pop("json", BODIES.get(action))
    return await client.post(
        f"{base(account)}/{interview_id}/{PATHS[action]}",
        json=body,
        headers={**account.headers, **extra.pop("headers", {})},
    )


async def interview_in(
    client: httpx.AsyncClient, owner: Account, database: Database, status: str
) -> dict[str, Any]:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    for action in ROUTES[status]:
        response = await act(client, owner, interview["id"], action)
        assert response.status_code == 200, response.text
        interview = response.json()
    assert interview["status"] == status
    return interview


@pytest.mark.parametrize("status", list(ROUTES))
async def test_each_status_accepts_exactly_its_actions(
    client: httpx.AsyncClient, owner: Account, database: Database, status: str
) -> None:
    for action in PATHS:
        interview = await interview_in(client, owner, database, status)
        assert interview["allowed_actions"] == ALLOWED[status]
        response = await act(client, owner, interview["id"], action)
        if action in ALLOWED[status]:
            assert response.status_code == 200, (status, action, response.text)
            body = response.json()
            assert body["status"] == RESULT[action]
            assert body["updated_at"] >= interview["updated_at"]
            assert response.headers["etag"].startswith('"')
            fetched = await client.get(f"{base(owner)}/{interview['id']}", headers=owner.headers)
            assert fetched.json() == body
        else:
            problem = assert_problem(response, 409, "invalid_transition")
            assert problem["allowed_actions"] == ALLOWED[status]
            assert problem["current_status"] == status
            url = f"{base(owner)}/{interview['id']}"
            assert (await client.get(url, headers=owner.headers)).json() == interview


async def test_schedule_sets_the_time_and_logistics(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await interview_in(client, owner, database, "requested")
    response = await act(
        client,
        owner,
        interview["id"],
        "schedule",
        json={
            "scheduled_at": "2026-12-01T10:30:00+01:00",
            "timezone": "Europe/Paris",
            "duration_minutes": 30,
            "format": "in_person",
            "location": "Café de Flore",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "scheduled"
    assert body["scheduled_at"] == WHEN
    assert body["timezone"] == "Europe/Paris"
    assert body["duration_minutes"] == 30
    assert body["format"] == "in_person"
    assert body["location"] == "Café de Flore"

    moved = await act(client, owner, interview["id"], "reschedule")
    assert moved.json()["scheduled_at"] == "2026-12-02T09:00:00Z"
    assert moved.json()["location"] == "Café de Flore"


@pytest.mark.parametrize(
    ("action", "payload", "pointer", "code"),
    [
        ("schedule", {}, "/scheduled_at", "missing"),
        ("reschedule", {"timezone": "Europe/Paris"}, "/scheduled_at", "missing"),
        ("schedule", {"scheduled_at": "2026-12-01T09:00:00"}, "/scheduled_at", "timezone_aware"),
        ("schedule", {"scheduled_at": "tomorrow"}, "/scheduled_at", "datetime_from_date_parsing"),
        ("schedule", {"scheduled_at": WHEN, "timezone": "UTC+1"}, "/timezone", "invalid_timezone"),
        (
            "schedule",
            {"scheduled_at": WHEN, "duration_minutes": 0},
            "/duration_minutes",
            "greater_than_equal",
        ),
        *[
            (
                "schedule",
                {"scheduled_at": WHEN, "duration_minutes": v},
                "/duration_minutes",
                "int_type",
            )
            for v in (True, 1.5, 15.5, "15")
        ],
        ("schedule", {"scheduled_at": WHEN, "status": "completed"}, "/status", "extra_forbidden"),
        ("complete", {"ended_at": "2026-12-01T09:00:00"}, "/ended_at", "timezone_aware"),
        (
            "complete",
            {"started_at": "2026-12-01T10:00:00Z", "ended_at": "2026-12-01T09:00:00Z"},
            "/ended_at",
            "ended_before_started",
        ),
    ],
)
async def test_invalid_action_bodies_change_nothing(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    action: str,
    payload: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    status = "planned" if action == "schedule" else "scheduled"
    interview = await interview_in(client, owner, database, status)
    response = await act(client, owner, interview["id"], action, json=payload)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == pointer
    assert body["errors"][0]["code"] == code
    url = f"{base(owner)}/{interview['id']}"
    assert (await client.get(url, headers=owner.headers)).json() == interview


async def test_complete_defaults_to_now_minus_the_duration(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await interview_in(client, owner, database, "scheduled")
    before = datetime.now(UTC)
    response = await act(client, owner, interview["id"], "complete")
    body = response.json()
    ended = datetime.fromisoformat(body["ended_at"])
    started = datetime.fromisoformat(body["started_at"])
    assert before <= ended <= datetime.now(UTC)
    assert ended - started == timedelta(minutes=15)
    assert body["allowed_actions"] == []


async def test_complete_with_actual_times(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await interview_in(client, owner, database, "scheduled")
    response = await act(
        client,
        owner,
        interview["id"],
        "complete",
        json={"started_at": "2026-12-01T09:35:00Z", "ended_at": "2026-12-01T10:05:00+00:00"},
    )
    body = response.json()
    assert body["started_at"] == "2026-12-01T09:35:00Z"
    assert body["ended_at"] == "2026-12-01T10:05:00Z"
    only_start = await interview_in(client, owner, database, "scheduled")
    response = await act(
        client, owner, only_start["id"], "complete", json={"ended_at": "2026-12-01T10:00:00Z"}
    )
    assert response.json()["started_at"] == "2026-12-01T09:45:00Z"


async def test_a_refused_action_keeps_the_stored_row(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await interview_in(client, owner, database, "completed")
    stored = await stored_interview(database, interview["id"])
    response = await act(client, owner, interview["id"], "cancel")
    problem = assert_problem(response, 409, "invalid_transition")
    assert problem["allowed_actions"] == []
    assert await stored_interview(database, interview["id"]) == stored
