"""Listing follow-ups: filters, sorts (no due time last) and keyset pages that never skip."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.db import Database
from tests.conftest import Account, assert_problem
from tests.follow_ups.factories import act, collection, create_follow_up
from tests.interviews.factories import create_interview, make_person


async def _all(client: httpx.AsyncClient, owner: Account, **params: Any) -> list[dict[str, Any]]:
    """Every follow-up the list selects, two at a time, following cursors (bounded)."""
    found: list[dict[str, Any]] = []
    query = {"limit": 2, **params}
    for _ in range(50):
        response = await client.get(collection(owner), params=query, headers=owner.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["data"])
        if not page["has_more"]:
            assert "link" not in response.headers
            return found
        assert 'rel="next"' in response.headers["link"]
        query["cursor"] = page["next_cursor"]
    raise AssertionError("more pages than the test made")


@pytest.fixture
async def world(client: httpx.AsyncClient, owner: Account, database: Database) -> dict[str, Any]:
    grace = await make_person(database, owner.workspace_id)
    lin = await make_person(database, owner.workspace_id, "Lin Chen")
    interview = await create_interview(client, owner, grace)
    made = {
        "late": await create_follow_up(
            client, owner, due_at="2026-11-01T09:00:00Z", person_id=grace
        ),
        "none": await create_follow_up(client, owner, kind="share_update", person_id=lin),
        "soon": await create_follow_up(
            client, owner, due_at="2026-12-01T09:00:00Z", interview_id=interview["id"]
        ),
        "mid": await create_follow_up(
            client, owner, kind="share_update", due_at="2026-11-15T09:00:00Z"
        ),
        "none2": await create_follow_up(client, owner),
    }
    await act(client, owner, made["mid"]["id"], "complete")
    return {
        "ids": {k: v["id"] for k, v in made.items()},
        "grace": grace,
        "lin": lin,
        "interview": interview["id"],
    }


def _names(world: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    by_id = {v: k for k, v in world["ids"].items()}
    return [by_id[r["id"]] for r in rows]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("due_at", ["late", "mid", "soon", "none", "none2"]),
        ("-due_at", ["soon", "mid", "late", "none2", "none"]),
        ("created_at", ["late", "none", "soon", "mid", "none2"]),
        ("-created_at", ["none2", "mid", "soon", "none", "late"]),
    ],
)
async def test_sorts_page_through_everything(
    client: httpx.AsyncClient, owner: Account, world: dict[str, Any], sort: str, expected: list[str]
) -> None:
    assert _names(world, await _all(client, owner, sort=sort)) == expected


async def test_default_sort_is_due_at(
    client: httpx.AsyncClient, owner: Account, world: dict[str, Any]
) -> None:
    assert _names(world, await _all(client, owner)) == ["late", "mid", "soon", "none", "none2"]


async def test_filters(client: httpx.AsyncClient, owner: Account, world: dict[str, Any]) -> None:
    assert _names(world, await _all(client, owner, status="done")) == ["mid"]
    assert _names(world, await _all(client, owner, status="open")) == [
        "late",
        "soon",
        "none",
        "none2",
    ]
    assert _names(world, await _all(client, owner, kind="share_update")) == ["mid", "none"]
    assert _names(world, await _all(client, owner, person_id=world["grace"])) == ["late", "soon"]
    assert _names(world, await _all(client, owner, interview_id=world["interview"])) == ["soon"]
    assert _names(
        world, await _all(client, owner, due_before="2026-11-15T09:00:00Z", status="open")
    ) == ["late"]
    assert _names(world, await _all(client, owner, due_after="2026-11-15T09:00:00Z")) == [
        "mid",
        "soon",
    ]
    assert _names(
        world,
        await _all(
            client, owner, due_after="2026-11-01T09:00:00Z", due_before="2026-12-01T09:00:00Z"
        ),
    ) == ["late", "mid"]
    assert await _all(client, owner, person_id="per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d") == []


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"sort": "title"}, "sort", "invalid_sort"),
        ({"status": "late"}, "status", "enum"),
        ({"kind": "party"}, "kind", "enum"),
        ({"due_before": "2026-11-01T00:00:00"}, "due_before", "timezone_aware"),
        (
            {"due_after": "2026-12-01T00:00:00Z", "due_before": "2026-11-01T00:00:00Z"},
            "due_after",
            "invalid_range",
        ),
        ({"cursor": "garbage"}, "cursor", "invalid_cursor"),
        ({"limit": 101}, "limit", "less_than_equal"),
        ({"colour": "red"}, "colour", "unknown_parameter"),
    ],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, owner: Account, params: dict[str, Any], parameter: str, code: str
) -> None:
    response = await client.get(collection(owner), params=params, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert (parameter, code) in [(e.get("parameter"), e["code"]) for e in problem["errors"]]


async def test_a_cursor_of_another_sort_is_refused(
    client: httpx.AsyncClient, owner: Account, world: dict[str, Any]
) -> None:
    first = await client.get(collection(owner), params={"limit": 1}, headers=owner.headers)
    response = await client.get(
        collection(owner),
        params={"limit": 1, "sort": "-created_at", "cursor": first.json()["next_cursor"]},
        headers=owner.headers,
    )
    assert_problem(response, 422, "validation_failed")
