"""What other changes cause, in their own transaction: completing an interview (thank-you note
due, stage forward), the thank-you note, the stay-in-touch chain, workspace settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update

from app.core.db import Database, Db
from app.follow_ups.models import follow_ups
from app.interviews import service as interviews_service
from app.interviews.lifecycle import InterviewAction
from app.interviews.schemas import InterviewComplete
from app.people.models import people
from tests.conftest import Account, assert_problem
from tests.follow_ups.factories import (
    act,
    collection,
    completed_interview,
    iso,
    stored_follow_ups,
    stored_person,
    thank_you_of,
    workspace_of,
)
from tests.interviews.factories import create_interview, make_person


def _at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


async def _set_workspace(client: httpx.AsyncClient, owner: Account, **settings: Any) -> None:
    response = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}", json=settings, headers=owner.headers
    )
    assert response.status_code == 200, response.text


# --- completing an interview ------------------------------------------------------------------


async def test_completing_an_interview_makes_the_thank_you_due_48_hours_after_it_ended(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await completed_interview(client, owner, database, ended_at="2026-11-20T15:45:00Z")
    [note] = await thank_you_of(database, interview["id"])
    assert note["status"] == "open"
    assert note["person_id"] == interview["person_id"]
    assert note["due_at"] == datetime(2026, 11, 22, 15, 45, tzinfo=UTC)
    assert note["title"] == "Thank Grace Hopper for the conversation"
    listed = await client.get(
        collection(owner),
        params={"interview_id": interview["id"], "kind": "thank_you"},
        headers=owner.headers,
    )
    assert [f["due_at"] for f in listed.json()["data"]] == ["2026-11-22T15:45:00Z"]


async def test_the_workspace_setting_changes_the_thank_you_delay(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    await _set_workspace(client, owner, thank_you_due_hours=24)
    interview = await completed_interview(client, owner, database, ended_at="2026-11-20T15:45:00Z")
    [note] = await thank_you_of(database, interview["id"])
    assert note["due_at"] == datetime(2026, 11, 21, 15, 45, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["Europe/London", "America/Los_Angeles"])
async def test_48_hours_across_time_zones(
    client: httpx.AsyncClient, owner: Account, database: Database, zone: str
) -> None:
    """An interview ending at 23:30 local time, two days ago: its note is due 48 hours later in
    UTC whatever the zone, and the agenda of each zone files it under that zone's local day."""
    local = ZoneInfo(zone)
    today = datetime.now(local).date()
    ended_local = datetime(today.year, today.month, today.day, 23, 30, tzinfo=local) - timedelta(
        days=2
    )
    ended_at = ended_local.astimezone(UTC)
    interview = await completed_interview(
        client, owner, database, ended_at=ended_local.isoformat(), timezone=zone
    )
    assert interview["ended_at"] == iso(ended_at)
    [note] = await thank_you_of(database, interview["id"])
    due_at = ended_at + timedelta(hours=48)
    assert note["due_at"] == due_at
    for agenda_zone in (zone, "Europe/London", "America/Los_Angeles", "Asia/Tokyo"):
        response = await client.get(
            f"/v1/workspaces/{owner.workspace_id}/agenda",
            params={"timezone": agenda_zone},
            headers=owner.headers,
        )
        agenda = response.json()
        local_today = datetime.now(ZoneInfo(agenda_zone)).date()
        assert agenda["date"] == local_today.isoformat()
        due_day = due_at.astimezone(ZoneInfo(agenda_zone)).date()
        overdue = [f["id"] for f in agenda["overdue"]]
        due_today = [f["id"] for f in agenda["due_today"]]
        expected = (
            "overdue" if due_day < local_today else "due_today" if due_day == local_today else None
        )
        assert (note["id"] in overdue) == (expected == "overdue"), agenda_zone
        assert (note["id"] in due_today) == (expected == "due_today"), agenda_zone
    # In its own zone the note falls due at 23:30 today: due today, not overdue.
    assert due_at.astimezone(local).date() == today


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("identified", "interviewed"),
        ("dormant", "interviewed"),
        ("contacted", "interviewed"),
        ("responded", "interviewed"),
        ("interviewed", "interviewed"),
        ("in_touch", "in_touch"),
    ],
)
async def test_completion_moves_the_stage_forward_never_back(
    client: httpx.AsyncClient, owner: Account, database: Database, stage: str, expected: str
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    async with database.transaction() as db:
        await db.execute(
            update(people).where(people.c.id == person_id).values(relationship_stage=stage)
        )
    await completed_interview(
        client, owner, database, person_id=person_id, ended_at="2026-11-20T15:45:00Z"
    )
    person = await stored_person(database, person_id)
    assert person["relationship_stage"] == expected
    assert person["last_contacted_at"] == datetime(2026, 11, 20, 15, 45, tzinfo=UTC)


async def test_last_contacted_at_never_moves_earlier(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    later = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    async with database.transaction() as db:
        await db.execute(
            update(people).where(people.c.id == person_id).values(last_contacted_at=later)
        )
    await completed_interview(
        client, owner, database, person_id=person_id, ended_at="2026-11-20T15:45:00Z"
    )
    assert (await stored_person(database, person_id))["last_contacted_at"] == later


async def test_a_refused_completion_leaves_no_follow_up(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    base = f"/v1/workspaces/{owner.workspace_id}/interviews/{interview['id']}"
    await client.post(
        f"{base}/schedule", json={"scheduled_at": "2026-11-20T15:00:00Z"}, headers=owner.headers
    )
    for response in (
        await client.post(
            f"{base}/complete",
            json={"started_at": "2026-11-20T16:00:00Z", "ended_at": "2026-11-20T15:00:00Z"},
            headers=owner.headers,
        ),
        await client.post(
            f"{base}/complete", json={}, headers={**owner.headers, "If-Match": '"stale"'}
        ),
    ):
        assert response.status_code in (412, 422)
    assert await stored_follow_ups(database, owner.workspace_id) == []
    assert (await stored_person(database, person_id))["relationship_stage"] == "identified"


async def test_the_effects_roll_back_with_the_completion(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """The thank-you and the stage move are written in the completing transaction: when it fails
    after them, none of it is kept."""
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    base = f"/v1/workspaces/{owner.workspace_id}/interviews/{interview['id']}"
    await client.post(
        f"{base}/schedule", json={"scheduled_at": "2026-11-20T15:00:00Z"}, headers=owner.headers
    )
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await interviews_service.transition(
                db,
                workspace_id=owner.workspace_id,
                interview_id=interview["id"],
                action=InterviewAction.complete,
                if_match=None,
                body=InterviewComplete(),
            )
            assert len(await thank_you_of_in(db, interview["id"])) == 1
            raise RuntimeError("the request failed after the effects")
    assert await stored_follow_ups(database, owner.workspace_id) == []
    assert (await stored_person(database, person_id))["relationship_stage"] == "identified"
    got = await client.get(base, headers=owner.headers)
    assert got.json()["status"] == "scheduled"


async def thank_you_of_in(db: Db, interview_id: str) -> list[dict[str, Any]]:
    """The interview's follow-ups as the open transaction sees them."""
    return await db.all(select(follow_ups.c.id).where(follow_ups.c.interview_id == interview_id))


# --- the thank-you note ---------------------------------------------------------------------------


def _thank_you_url(account: Account, interview_id: str) -> str:
    return f"/v1/workspaces/{workspace_of(account)}/interviews/{interview_id}/thank-you"


async def test_a_thank_you_on_time_completes_the_follow_up(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await completed_interview(client, owner, database, ended_at="2026-11-20T15:45:00Z")
    [note] = await thank_you_of(database, interview["id"])
    response = await client.post(
        _thank_you_url(owner, interview["id"]),
        json={"channel": "letter", "sent_at": "2026-11-22T15:45:00Z", "note": "Thank you, Grace"},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == note["id"]
    assert body["status"] == "done"
    assert body["channel"] == "letter"
    assert body["completed_at"] == "2026-11-22T15:45:00Z"
    assert body["on_time"] is True
    assert body["notes"] == "Thank you, Grace"
    assert response.headers["etag"]


async def test_a_late_thank_you_is_recorded_as_late_and_only_once(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await completed_interview(client, owner, database, ended_at="2026-11-20T15:45:00Z")
    url = _thank_you_url(owner, interview["id"])
    response = await client.post(
        url, json={"channel": "email", "sent_at": "2026-11-22T15:45:01Z"}, headers=owner.headers
    )
    assert response.json()["on_time"] is False
    before = await stored_follow_ups(database, owner.workspace_id)
    again = await client.post(url, json={"channel": "email"}, headers=owner.headers)
    assert_problem(again, 409, "thank_you_already_sent")
    assert await stored_follow_ups(database, owner.workspace_id) == before


async def test_a_thank_you_with_no_pending_follow_up_makes_one(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview = await completed_interview(client, owner, database)
    [note] = await thank_you_of(database, interview["id"])
    await act(client, owner, note["id"], "dismiss")
    response = await client.post(
        _thank_you_url(owner, interview["id"]), json={"channel": "phone"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] != note["id"]
    assert body["kind"] == "thank_you"
    assert body["status"] == "done"
    assert body["on_time"] is True  # sent now, due 48 hours after an interview that just ended
    assert [n["status"] for n in await thank_you_of(database, interview["id"])] == [
        "dismissed",
        "done",
    ]


@pytest.mark.parametrize("steps", [[], ["schedule"], ["cancel"]])
async def test_no_thank_you_before_the_interview_is_completed(
    client: httpx.AsyncClient, owner: Account, database: Database, steps: list[str]
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    base = f"/v1/workspaces/{owner.workspace_id}/interviews/{interview['id']}"
    for step in steps:
        body = {"scheduled_at": "2026-11-20T15:00:00Z"} if step == "schedule" else None
        assert (await client.post(f"{base}/{step}", json=body, headers=owner.headers)).is_success
    response = await client.post(
        _thank_you_url(owner, interview["id"]), json={"channel": "email"}, headers=owner.headers
    )
    assert_problem(response, 409, "interview_not_completed")
    assert await stored_follow_ups(database, owner.workspace_id) == []


async def test_thank_you_refusals(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    interview = await completed_interview(client, owner, database)
    url = _thank_you_url(owner, interview["id"])
    before = await stored_follow_ups(database, owner.workspace_id)
    assert_problem(
        await client.post(url, json={"channel": "email"}, headers=viewer.headers), 403, "forbidden"
    )
    for body in ({}, {"channel": "fax"}, {"channel": "email", "note": "x" * 10_001}):
        assert_problem(
            await client.post(url, json=body, headers=owner.headers), 422, "validation_failed"
        )
    for missing in ("int_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d", "nope"):
        response = await client.post(
            _thank_you_url(owner, missing), json={"channel": "email"}, headers=owner.headers
        )
        assert_problem(response, 404, "not_found")
    assert await stored_follow_ups(database, owner.workspace_id) == before


# --- staying in touch -------------------------------------------------------------------------


async def test_setting_an_interval_schedules_the_first_stay_in_touch(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    before = datetime.now(UTC)
    response = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/people/{person_id}",
        json={"stay_in_touch_every_days": 30},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["stay_in_touch_every_days"] == 30
    [first] = await stored_follow_ups(database, owner.workspace_id)
    assert first["kind"] == "stay_in_touch"
    assert first["person_id"] == person_id
    assert before + timedelta(days=30) <= first["due_at"] <= datetime.now(UTC) + timedelta(days=30)
    # A pending one is not doubled when the interval changes.
    await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/people/{person_id}",
        json={"stay_in_touch_every_days": 60},
        headers=owner.headers,
    )
    assert len(await stored_follow_ups(database, owner.workspace_id)) == 1


async def test_creating_a_person_with_an_interval_schedules_the_first(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/people",
        json={"given_name": "Lin", "stay_in_touch_every_days": 90},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    [first] = await stored_follow_ups(database, owner.workspace_id)
    assert first["title"] == "Stay in touch with Lin"
    assert first["person_id"] == response.json()["id"]


async def test_completing_a_stay_in_touch_schedules_the_next(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/people/{person_id}",
        json={"stay_in_touch_every_days": 45},
        headers=owner.headers,
    )
    [first] = await stored_follow_ups(database, owner.workspace_id)
    response = await act(
        client, owner, first["id"], "complete", {"completed_at": "2026-11-25T12:00:00Z"}
    )
    assert response.status_code == 200
    done, following = await stored_follow_ups(database, owner.workspace_id)
    assert done["status"] == "done"
    assert following["kind"] == "stay_in_touch"
    assert following["status"] == "open"
    assert following["due_at"] == _at("2026-11-25T12:00:00Z") + timedelta(days=45)
    # Without an interval any more, the chain stops.
    await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/people/{person_id}",
        json={"stay_in_touch_every_days": None},
        headers=owner.headers,
    )
    await act(client, owner, following["id"], "complete")
    assert len(await stored_follow_ups(database, owner.workspace_id)) == 2


@pytest.mark.parametrize("days", [0, 3651, "often", 1.5])
async def test_bad_interval_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database, days: Any
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    before = await stored_person(database, person_id)
    response = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/people/{person_id}",
        json={"stay_in_touch_every_days": days},
        headers=owner.headers,
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["pointer"] == "/stay_in_touch_every_days"
    assert await stored_person(database, person_id) == before
    assert await stored_follow_ups(database, owner.workspace_id) == []


async def test_a_refused_person_change_schedules_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/people",
        json={
            "given_name": "Lin",
            "stay_in_touch_every_days": 90,
            "organisation_id": "org_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d",
        },
        headers=owner.headers,
    )
    assert_problem(response, 422, "validation_failed")
    assert await stored_follow_ups(database, owner.workspace_id) == []


# --- workspace settings ---------------------------------------------------------------------------


async def test_workspace_settings_have_defaults_and_owners_change_them(
    client: httpx.AsyncClient, owner: Account
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    body = (await client.get(url, headers=owner.headers)).json()
    assert (body["thank_you_due_hours"], body["interview_goal"], body["timezone"]) == (48, 12, None)
    response = await client.patch(
        url,
        json={"thank_you_due_hours": 24, "interview_goal": 20, "timezone": "Europe/Berlin"},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["thank_you_due_hours"], body["interview_goal"], body["timezone"]) == (
        24,
        20,
        "Europe/Berlin",
    )
    cleared = await client.patch(url, json={"timezone": None}, headers=owner.headers)
    assert cleared.json()["timezone"] is None


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"thank_you_due_hours": 0}, "greater_than_equal"),
        ({"thank_you_due_hours": 721}, "less_than_equal"),
        ({"thank_you_due_hours": None}, None),
        ({"interview_goal": 1001}, "less_than_equal"),
        ({"interview_goal": 0}, "greater_than_equal"),
        # JSON integers, strictly: not a boolean, a float or numeric text.
        ({"thank_you_due_hours": True}, "int_type"),
        ({"thank_you_due_hours": 24.5}, "int_type"),
        ({"interview_goal": 1.5}, "int_type"),
        ({"interview_goal": "12"}, "int_type"),
        ({"timezone": "Mars/Olympus"}, "invalid_timezone"),
        ({"timezone": "../etc/passwd"}, "invalid_timezone"),
    ],
)
async def test_bad_workspace_settings_change_nothing(
    client: httpx.AsyncClient, owner: Account, patch: dict[str, Any], code: str | None
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    before = (await client.get(url, headers=owner.headers)).json()
    problem = assert_problem(
        await client.patch(url, json=patch, headers=owner.headers), 422, "validation_failed"
    )
    [field] = patch
    assert problem["errors"][0]["pointer"] == f"/{field}"
    if code is not None:
        assert problem["errors"][0]["code"] == code
    assert (await client.get(url, headers=owner.headers)).json() == before


async def test_editors_cannot_change_workspace_settings(
    client: httpx.AsyncClient, owner: Account, editor: Account
) -> None:
    response = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}",
        json={"thank_you_due_hours": 1},
        headers=editor.headers,
    )
    assert_problem(response, 403, "forbidden")


async def test_completing_a_stay_in_touch_while_another_is_pending_adds_none(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/people/{person_id}",
        json={"stay_in_touch_every_days": 45},
        headers=owner.headers,
    )
    [first] = await stored_follow_ups(database, owner.workspace_id)
    response = await client.post(
        collection(owner),
        json={"kind": "stay_in_touch", "person_id": person_id},
        headers=owner.headers,
    )
    assert response.status_code == 201
    await act(client, owner, first["id"], "complete")
    assert len(await stored_follow_ups(database, owner.workspace_id)) == 2
