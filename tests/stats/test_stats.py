"""`GET …/stats` on a known set of records: every figure checked; an empty workspace; other
workspaces never counted; who may read it; bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.core.db import Database
from app.workspaces.models import workspaces
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.stats.factories import Rows

AS_OF = "2026-11-25T12:00:00Z"  # a Wednesday in ISO week 2026-W48


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def stats_url(account: Account) -> str:
    return f"/v1/workspaces/{account.extra.get('workspace_id', account.workspace_id)}/stats"


async def get_stats(
    client: httpx.AsyncClient, account: Account, as_of: str = AS_OF
) -> dict[str, Any]:
    response = await client.get(
        stats_url(account), params={"as_of": as_of}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def known_records(database: Database, workspace_id: str) -> None:
    rows = Rows(database, workspace_id)
    covered = await rows.organisation("Fabrikam", target_rank=2)
    await rows.organisation("Northwind", target_rank=1)
    await rows.organisation("Alpha", target_rank=None)
    await rows.organisation("Tailspin", target_rank=3)
    await rows.organisation("Not a target", is_target=False)

    p1 = await rows.person("P1", organisation_id=covered)  # a name only
    p2 = await rows.person("P2")  # contacted: an outreach went out, no answer
    await rows.outreach(p2, status="no_response", sent_at=at("2026-11-01T09:00:00"))
    p3 = await rows.person("P3", stage="contacted")  # contacted by stage alone
    p4 = await rows.person("P4")  # answered twice: after 2 days and after 12 hours
    await rows.outreach(
        p4,
        status="accepted",
        sent_at=at("2026-11-01T09:00:00"),
        responded_at=at("2026-11-03T09:00:00"),
    )
    await rows.outreach(
        p4,
        status="declined",
        sent_at=at("2026-11-10T00:00:00"),
        responded_at=at("2026-11-10T12:00:00"),
    )
    p5 = await rows.person("P5", stage="responded")  # answered after 4 days; scheduled
    await rows.outreach(
        p5,
        status="accepted",
        sent_at=at("2026-11-01T09:00:00"),
        responded_at=at("2026-11-05T09:00:00"),
    )
    await rows.interview(p5, "scheduled")
    p6 = await rows.person("P6", stage="interviewed")  # answered after 1 day; two interviews
    await rows.outreach(
        p6,
        status="accepted",
        sent_at=at("2026-10-01T09:00:00"),
        responded_at=at("2026-10-02T09:00:00"),
    )
    await rows.interview(p6, "completed", at("2026-11-24T10:00:00"))  # week 48
    await rows.interview(p6, "completed", at("2026-11-10T10:00:00"))  # week 46
    p7 = await rows.person("P7", stage="dormant")  # a draft and a cancelled interview count not
    await rows.outreach(p7, status="draft")
    await rows.interview(p7, "cancelled")
    p8 = await rows.person("P8", stage="in_touch")
    await rows.interview(p8, "no_show")
    await rows.interview(p8, "completed", at("2026-09-01T10:00:00"))  # before the 12 weeks
    await rows.interview(p8, "completed", at("2026-11-25T13:00:00"))  # after as_of
    await rows.interview(p8, "planned")

    for referred in (p1, p2, p3):
        await rows.referral(p6, referred)
    await rows.lead("offer")
    await rows.lead("applied")

    await rows.follow_up("thank_you", "done", on_time=True)
    await rows.follow_up("thank_you", "done", on_time=True)
    await rows.follow_up("thank_you", "done", on_time=False)
    await rows.follow_up("thank_you", "done", on_time=None)  # timeliness unknown: left out
    await rows.follow_up("thank_you", "open", on_time=None)
    await rows.follow_up("stay_in_touch", "done", on_time=False)


def weeks(body: dict[str, Any]) -> dict[str, int]:
    return {w["week"]: w["completed"] for w in body["interviews_per_week"]}


async def test_every_figure_on_a_known_set_of_records(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    await known_records(database, owner.workspace_id)
    # Another workspace's records never count.
    stranger = await signup(client)
    await known_records(database, stranger.workspace_id)

    body = await get_stats(client, owner)
    assert body["object"] == "stats"
    assert body["workspace_id"] == owner.workspace_id
    assert body["as_of"] == "2026-11-25T12:00:00Z"
    assert body["funnel"] == {
        "identified": 8,
        "contacted": 6,
        "responded": 4,
        "interview_scheduled": 3,
        "interview_completed": 2,
        "referrals": 3,
        "leads": 2,
        "offers": 1,
    }
    assert [(c["from_step"], c["to_step"], c["rate"]) for c in body["conversions"]] == [
        ("identified", "contacted", 0.75),
        ("contacted", "responded", 0.6667),
        ("responded", "interview_scheduled", 0.75),
        ("interview_scheduled", "interview_completed", 0.6667),
        ("interview_completed", "referrals", 1.5),
        ("referrals", "leads", 0.6667),
        ("leads", "offers", 0.5),
    ]
    assert body["thank_you"] == {"done": 3, "on_time": 2, "rate": 0.6667}
    # Response times 0.5, 1, 2 and 4 days.
    assert body["median_days_to_response"] == 1.5
    assert body["completed_interviews"] == 4
    assert body["referrals_per_completed_interview"] == 0.75
    assert body["goal"] == {"completed": 4, "goal": 12, "percent": 33}

    series = body["interviews_per_week"]
    assert len(series) == 12
    assert series[0] == {"week": "2026-W37", "starts_at": "2026-09-07T00:00:00Z", "completed": 0}
    assert series[-1]["week"] == "2026-W48"
    assert series[-1]["starts_at"] == "2026-11-23T00:00:00Z"
    assert {week: n for week, n in weeks(body).items() if n} == {"2026-W46": 1, "2026-W48": 1}

    coverage = body["target_organisations"]
    assert (coverage["with_contact"], coverage["without_contact_count"]) == (1, 3)
    # Ranked first, by rank; then unranked ones by name.
    assert [(o["name"], o["target_rank"]) for o in coverage["without_contact"]] == [
        ("Northwind", 1),
        ("Tailspin", 3),
        ("Alpha", None),
    ]
    for organisation in coverage["without_contact"]:
        assert set(organisation) == {"id", "name", "target_rank"}
        assert organisation["id"].startswith("org_")

    # The same records in the other workspace give the same figures, counted once each.
    assert (await get_stats(client, stranger))["funnel"] == body["funnel"]


async def test_as_of_moves_the_weekly_window(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    await known_records(database, owner.workspace_id)
    # A week later the interview of 25 November 13:00 has happened; W37 has left the window.
    body = await get_stats(client, owner, "2026-12-02T12:00:00+01:00")
    assert body["as_of"] == "2026-12-02T11:00:00Z"
    assert body["interviews_per_week"][0]["week"] == "2026-W38"
    assert {w: n for w, n in weeks(body).items() if n} == {"2026-W46": 1, "2026-W48": 2}
    # Before any of them, the series is all zeros but the totals are those of today's records.
    early = await get_stats(client, owner, "2026-01-07T00:00:00Z")
    assert set(weeks(early).values()) == {0}
    assert early["interviews_per_week"][-1]["week"] == "2026-W02"
    assert early["interviews_per_week"][0]["week"] == "2025-W43"
    assert early["completed_interviews"] == 4


async def test_an_empty_workspace_has_zeros_and_nulls(
    client: httpx.AsyncClient, owner: Account
) -> None:
    body = await get_stats(client, owner)
    assert set(body["funnel"].values()) == {0}
    assert [c["rate"] for c in body["conversions"]] == [None] * 7
    assert body["thank_you"] == {"done": 0, "on_time": 0, "rate": None}
    assert body["median_days_to_response"] is None
    assert body["completed_interviews"] == 0
    assert body["referrals_per_completed_interview"] is None
    assert [w["completed"] for w in body["interviews_per_week"]] == [0] * 12
    assert body["goal"] == {"completed": 0, "goal": 12, "percent": 0}
    assert body["target_organisations"] == {
        "with_contact": 0,
        "without_contact_count": 0,
        "without_contact": [],
    }


async def test_progress_uses_the_workspace_goal_and_stops_at_100(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    rows = Rows(database, owner.workspace_id)
    person = await rows.person("P")
    for day in (2, 3, 4):
        await rows.interview(person, "completed", at(f"2026-11-0{day}T10:00:00"))
    for goal, percent in ((5, 60), (2, 100)):
        async with database.transaction() as db:
            await db.execute(
                update(workspaces)
                .where(workspaces.c.id == owner.workspace_id)
                .values(interview_goal=goal)
            )
        body = await get_stats(client, owner)
        assert body["goal"] == {"completed": 3, "goal": goal, "percent": percent}


async def test_at_most_50_uncontacted_targets_are_listed(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    rows = Rows(database, owner.workspace_id)
    for rank in range(55, 0, -1):
        await rows.organisation(f"Target {rank:02d}", target_rank=rank)
    coverage = (await get_stats(client, owner))["target_organisations"]
    assert coverage["without_contact_count"] == 55
    assert [o["target_rank"] for o in coverage["without_contact"]] == list(range(1, 51))


async def test_who_may_read_stats(
    client: httpx.AsyncClient, owner: Account, viewer: Account
) -> None:
    assert (await get_stats(client, viewer))["workspace_id"] == owner.workspace_id
    # The uncontacted targets are organisations' names: their scope is needed too.
    stats_only = await create_api_key(client, owner, ["stats:read"])
    response = await client.get(stats_url(owner), headers=bearer(stats_only["secret"]))
    assert assert_problem(response, 403, "insufficient_scope")["scope"] == "organisations:read"
    key = await create_api_key(client, owner, ["stats:read", "organisations:read"])
    response = await client.get(stats_url(owner), headers=bearer(key["secret"]))
    assert response.status_code == 200, response.text
    narrow = await create_api_key(client, owner, ["people:read"])
    response = await client.get(stats_url(owner), headers=bearer(narrow["secret"]))
    assert assert_problem(response, 403, "insufficient_scope")["scope"] == "stats:read"
    stranger = await signup(client)
    assert_problem(await client.get(stats_url(owner), headers=stranger.headers), 404, "not_found")


async def test_bad_input_is_a_problem(client: httpx.AsyncClient, owner: Account) -> None:
    for params, parameter, code in (
        ({"as_of": "2026-11-25T12:00:00"}, "as_of", "timezone_aware"),
        ({"as_of": "yesterday"}, "as_of", "datetime_from_date_parsing"),
        ({"since": "2026-11-25T12:00:00Z"}, "since", "unknown_parameter"),
    ):
        response = await client.get(stats_url(owner), params=params, headers=owner.headers)
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"][0]["parameter"] == parameter, body
        assert body["errors"][0]["code"] == code, body


async def test_now_is_the_default(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.get(stats_url(owner), headers=owner.headers)
    assert response.status_code == 200, response.text
    as_of = datetime.fromisoformat(response.json()["as_of"])
    assert abs(as_of - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("hours", "median"),
    [([48], 2.0), ([12, 48, 96], 2.0), ([12, 24, 48, 96], 1.5), ([6, 6, 6, 600, 600], 0.25)],
)
async def test_median_response_time_of_odd_and_even_counts(
    client: httpx.AsyncClient, database: Database, owner: Account, hours: list[int], median: float
) -> None:
    rows = Rows(database, owner.workspace_id)
    person = await rows.person("Answered")
    sent = at("2026-11-01T00:00:00")
    for h in hours:
        await rows.outreach(
            person, status="accepted", sent_at=sent, responded_at=sent + timedelta(hours=h)
        )
    assert (await get_stats(client, owner))["median_days_to_response"] == median
