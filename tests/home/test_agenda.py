"""The home agenda: today's buckets in the workspace's zone, bounded lists, three statements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import insert

from app.core import ids
from app.core.db import Database, utcnow
from app.core.settings import Settings
from app.follow_ups.models import follow_ups
from app.main import create_app
from tests.conftest import Account, assert_problem, bearer, client_for, create_api_key, signup
from tests.follow_ups.factories import act, create_follow_up, iso
from tests.interviews.factories import create_interview, make_person


def _today(zone: str) -> tuple[datetime, datetime]:
    """Today's start and tomorrow's start in `zone`, in UTC."""
    local = ZoneInfo(zone)
    today = datetime.now(local).date()
    start = datetime.combine(today, time(), tzinfo=local)
    end = datetime.combine(today + timedelta(days=1), time(), tzinfo=local)
    return start.astimezone(UTC), end.astimezone(UTC)


def _agenda_url(account: Account) -> str:
    return f"/v1/workspaces/{account.workspace_id}/agenda"


async def _scheduled(
    client: httpx.AsyncClient, owner: Account, person_id: str, at: datetime
) -> str:
    interview = await create_interview(client, owner, person_id)
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/interviews/{interview['id']}/schedule",
        json={"scheduled_at": iso(at)},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    return str(interview["id"])


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles", "UTC"])
async def test_buckets_for_today_in_the_workspace_zone(
    client: httpx.AsyncClient, owner: Account, database: Database, zone: str
) -> None:
    await client.patch(
        f"/v1/workspaces/{owner.workspace_id}", json={"timezone": zone}, headers=owner.headers
    )
    start, end = _today(zone)
    person_id = await make_person(database, owner.workspace_id)

    async def due(at: datetime, **fields: Any) -> str:
        return str((await create_follow_up(client, owner, due_at=iso(at), **fields))["id"])

    long_overdue = await due(start - timedelta(days=3))
    overdue = await due(start - timedelta(minutes=1))
    first_today = await due(start)
    last_today = await due(end - timedelta(minutes=1))
    await due(end)  # tomorrow
    await create_follow_up(client, owner)  # no due time
    done = await due(start + timedelta(minutes=5))
    await act(client, owner, done, "complete")
    dismissed = await due(start - timedelta(days=1))
    await act(client, owner, dismissed, "dismiss")
    snoozed_later = await due(start)
    await act(client, owner, snoozed_later, "snooze", {"until": iso(end + timedelta(days=2))})
    # A snoozed follow-up whose time has come (written directly: snoozing needs a future time).
    woken = ids.new_id("fup")
    async with database.transaction() as db:
        now = utcnow()
        await db.execute(
            insert(follow_ups).values(
                id=woken,
                workspace_id=owner.workspace_id,
                kind="custom",
                title="Woken",
                notes=None,
                due_at=now - timedelta(seconds=1),
                person_id=None,
                interview_id=None,
                lead_id=None,
                status="snoozed",
                snoozed_until=now - timedelta(seconds=1),
                completed_at=None,
                channel=None,
                on_time=None,
                created_at=now,
                updated_at=now,
            )
        )
    meeting_late = await _scheduled(client, owner, person_id, end - timedelta(minutes=30))
    meeting_early = await _scheduled(client, owner, person_id, start + timedelta(minutes=30))
    await _scheduled(client, owner, person_id, end + timedelta(hours=1))  # tomorrow
    await _scheduled(client, owner, person_id, start - timedelta(hours=1))  # yesterday

    response = await client.get(_agenda_url(owner), headers=owner.headers)
    assert response.status_code == 200, response.text
    agenda = response.json()
    assert agenda["object"] == "agenda"
    assert agenda["timezone"] == zone
    assert agenda["date"] == datetime.now(ZoneInfo(zone)).date().isoformat()
    assert [f["id"] for f in agenda["overdue"]] == [long_overdue, overdue]
    due_today = [f["id"] for f in agenda["due_today"]]
    assert set(due_today) == {first_today, last_today, woken}
    assert due_today.index(first_today) < due_today.index(last_today)
    assert [i["id"] for i in agenda["interviews_today"]] == [meeting_early, meeting_late]
    assert agenda["overdue_has_more"] is False
    assert agenda["due_today_has_more"] is False
    assert agenda["interviews_today_has_more"] is False

    # An API key that may read follow-ups but not interviews sees no interviews.
    key = await create_api_key(client, owner, ["follow_ups:read"])
    narrow = (await client.get(_agenda_url(owner), headers=bearer(key["secret"]))).json()
    assert narrow["interviews_today"] == []
    assert [f["id"] for f in narrow["overdue"]] == [long_overdue, overdue]


async def test_the_query_zone_overrides_the_workspace_and_utc_is_the_default(
    client: httpx.AsyncClient, owner: Account
) -> None:
    default = (await client.get(_agenda_url(owner), headers=owner.headers)).json()
    assert default["timezone"] == "UTC"
    assert default["overdue"] == default["due_today"] == default["interviews_today"] == []
    await client.patch(
        f"/v1/workspaces/{owner.workspace_id}",
        json={"timezone": "Asia/Tokyo"},
        headers=owner.headers,
    )
    response = await client.get(
        _agenda_url(owner), params={"timezone": "America/New_York"}, headers=owner.headers
    )
    assert response.json()["timezone"] == "America/New_York"
    assert response.json()["date"] == datetime.now(ZoneInfo("America/New_York")).date().isoformat()


@pytest.mark.parametrize(
    ("zone", "code"),
    [("Mars/Olympus", "invalid_timezone"), ("", "string_too_short"), ("x" * 65, "string_too_long")],
)
async def test_a_bad_zone_is_a_parameter_error(
    client: httpx.AsyncClient, owner: Account, zone: str, code: str
) -> None:
    response = await client.get(
        _agenda_url(owner), params={"timezone": zone}, headers=owner.headers
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert [(e["parameter"], e["code"]) for e in problem["errors"]] == [("timezone", code)]


async def test_lists_are_bounded_at_100(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    start, _ = _today("UTC")
    now = utcnow()
    rows = [
        {
            "id": ids.new_id("fup"),
            "workspace_id": owner.workspace_id,
            "kind": "custom",
            "title": f"Late {n}",
            "notes": None,
            "due_at": start - timedelta(days=1, minutes=n),
            "person_id": None,
            "interview_id": None,
            "lead_id": None,
            "status": "open",
            "snoozed_until": None,
            "completed_at": None,
            "channel": None,
            "on_time": None,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(101)
    ]
    async with database.transaction() as db:
        await db.execute(insert(follow_ups).values(rows))
    agenda = (await client.get(_agenda_url(owner), headers=owner.headers)).json()
    assert len(agenda["overdue"]) == 100
    assert agenda["overdue_has_more"] is True
    due = [f["due_at"] for f in agenda["overdue"]]
    assert due == sorted(due)
    assert agenda["overdue"][0]["title"] == "Late 100"  # the oldest first


async def test_access(client: httpx.AsyncClient, owner: Account, viewer: Account) -> None:
    assert (await client.get(_agenda_url(owner), headers=viewer.headers)).status_code == 200
    stranger = await signup(client)
    assert_problem(await client.get(_agenda_url(owner), headers=stranger.headers), 404, "not_found")


@pytest.fixture
async def cached() -> AsyncIterator[tuple[Any, httpx.AsyncClient, Account]]:
    """An app whose caller cache is on, so a request's statements are the agenda's own."""
    app = create_app(Settings(auth_cache_seconds=300))
    async with app.router.lifespan_context(app), client_for(app) as client:
        owner = await signup(client)
        for n in range(5):
            await create_follow_up(
                client, owner, due_at=iso(datetime.now(UTC) - timedelta(days=n + 1))
            )
        yield app, client, owner


@pytest.mark.parametrize("params", [{}, {"timezone": "Europe/Paris"}])
async def test_at_most_three_statements(
    cached: tuple[Any, httpx.AsyncClient, Account], params: dict[str, str]
) -> None:
    app, client, owner = cached
    await client.get(_agenda_url(owner), params=params, headers=owner.headers)  # warm the cache
    before = app.state.database.statement_count
    response = await client.get(_agenda_url(owner), params=params, headers=owner.headers)
    assert response.status_code == 200
    assert len(response.json()["overdue"]) == 5
    assert app.state.database.statement_count - before <= (2 if params else 3)
