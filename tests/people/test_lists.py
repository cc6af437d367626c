"""Listing people: every filter, every sort, keyset pagination, the by-organisation list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from tests.conftest import Account, assert_problem, signup
from tests.people.factories import (
    all_people,
    collection,
    create_person,
    insert_organisation,
    insert_people,
    person_row,
)

SORTS = [
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "family_name",
    "-family_name",
    "last_contacted_at",
    "-last_contacted_at",
]
MANY = 250
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def expected_order(rows: list[dict[str, Any]], sort: str) -> list[str]:
    """What `?sort=` should give: by the key then id, NULL keys last in either direction (and in
    id order, following the direction, among themselves)."""
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    present = sorted(
        (r for r in rows if r[key] is not None),
        key=lambda r: (r[key], r["id"]),
        reverse=descending,
    )
    missing = sorted((r for r in rows if r[key] is None), key=lambda r: r["id"], reverse=descending)
    return [r["id"] for r in present + missing]


@pytest.fixture
async def crowd(
    client: httpx.AsyncClient, database: Database
) -> tuple[Account, list[dict[str, Any]]]:
    """A fresh workspace with 250 people written directly, with many ties on every sort key
    and NULLs among family names and contact times."""
    account = await signup(client, name="Crowd")
    rows = []
    for n in range(MANY):
        rows.append(
            person_row(
                account.workspace_id,
                id=ids.new_id("per"),
                family_name=None if n % 7 == 0 else f"Family{n % 23:02d}",
                display_name=f"Person {n}",
                created_at=BASE + timedelta(minutes=n % 40),
                updated_at=BASE + timedelta(hours=1, minutes=(n * 7) % 31),
                last_contacted_at=None if n % 3 == 0 else BASE + timedelta(days=n % 11),
            )
        )
    await insert_people(database, rows)
    return account, rows


@pytest.mark.parametrize("sort", SORTS)
async def test_pagination_visits_everyone_once_in_order(
    client: httpx.AsyncClient, crowd: tuple[Account, list[dict[str, Any]]], sort: str
) -> None:
    account, rows = crowd
    seen: list[str] = []
    query: dict[str, Any] = {"limit": 37, "sort": sort}
    for _ in range(MANY // 37 + 2):
        response = await client.get(collection(account), params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["object"] == "list"
        assert len(page["data"]) <= 37
        seen.extend(p["id"] for p in page["data"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
        query["cursor"] = page["next_cursor"]
    assert seen == expected_order(rows, sort)
    assert len(set(seen)) == MANY


async def test_default_sort_is_creation_order_and_default_limit_is_20(
    client: httpx.AsyncClient, crowd: tuple[Account, list[dict[str, Any]]]
) -> None:
    account, rows = crowd
    response = await client.get(collection(account), headers=account.headers)
    page = response.json()
    assert [p["id"] for p in page["data"]] == expected_order(rows, "created_at")[:20]
    assert page["has_more"] is True


async def test_nulls_come_last_in_both_directions(
    client: httpx.AsyncClient, owner: Account
) -> None:
    never = await create_person(client, owner, family_name=None, given_name="Never")
    early = await create_person(
        client, owner, family_name="Adams", last_contacted_at="2026-01-01T00:00:00Z"
    )
    late = await create_person(
        client, owner, family_name="Zuse", last_contacted_at="2026-06-01T00:00:00Z"
    )
    for sort, expected in [
        ("family_name", [early, late, never]),
        ("-family_name", [late, early, never]),
        ("last_contacted_at", [early, late, never]),
        ("-last_contacted_at", [late, early, never]),
    ]:
        found = await all_people(client, owner, sort=sort, limit=1)
        assert [p["id"] for p in found] == [p["id"] for p in expected], sort


async def test_a_cursor_is_tied_to_its_sort(
    client: httpx.AsyncClient, crowd: tuple[Account, list[dict[str, Any]]]
) -> None:
    account, _ = crowd
    first = await client.get(
        collection(account), params={"sort": "family_name", "limit": 5}, headers=account.headers
    )
    cursor = first.json()["next_cursor"]
    for params in (
        {"sort": "-family_name", "cursor": cursor},
        {"cursor": cursor},
        {"sort": "family_name", "cursor": "not-a-cursor"},
    ):
        response = await client.get(collection(account), params=params, headers=account.headers)
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0] == {
            "parameter": "cursor",
            "detail": problem["errors"][0]["detail"],
            "code": "invalid_cursor",
        }


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"sort": "display_name"}, "sort", "invalid_sort"),
        ({"sort": "-search_text"}, "sort", "invalid_sort"),
        ({"limit": 0}, "limit", "greater_than_equal"),
        ({"limit": 101}, "limit", "less_than_equal"),
        ({"limit": "many"}, "limit", "int_parsing"),
        ({"relationship_stage": "married"}, "relationship_stage", "enum"),
        ({"source": "pigeon"}, "source", "enum"),
        ({"q": "x" * 201}, "q", "string_too_long"),
        ({"tag": "x" * 51}, "tag", "string_too_long"),
        ({"stage": "contacted"}, "stage", "unknown_parameter"),
        ({"organisation": "org_x"}, "organisation", "unknown_parameter"),
    ],
)
async def test_bad_list_parameters_are_422(
    client: httpx.AsyncClient, owner: Account, params: dict[str, Any], parameter: str, code: str
) -> None:
    response = await client.get(collection(owner), params=params, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert (problem["errors"][0]["parameter"], problem["errors"][0]["code"]) == (parameter, code)


async def test_filters(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    northwind = await insert_organisation(database, owner.workspace_id, "Northwind")
    contoso = await insert_organisation(database, owner.workspace_id, "Contoso")
    ada = await create_person(
        client,
        owner,
        given_name="Ada",
        family_name="Lovelace",
        organisation_id=northwind,
        relationship_stage="contacted",
        source="alumni",
        tags=["Math", "warm"],
        emails=[{"address": "ada@analytical.example"}],
    )
    grace = await create_person(
        client,
        owner,
        given_name="Grace",
        family_name="Hopper",
        organisation_id=contoso,
        relationship_stage="interviewed",
        source="referral",
        referred_by_id=ada["id"],
        tags=["navy"],
        job_title="Rear Admiral",
    )
    alan = await create_person(
        client,
        owner,
        given_name="Alan",
        family_name="Turing",
        organisation_id=northwind,
        relationship_stage="contacted",
        source="referral",
        referred_by_id=ada["id"],
        notes="Enjoys 100% of long-distance runs_and_puzzles",
    )
    nobody = await create_person(client, owner, given_name="Nobody", family_name=None)

    def ids_of(people: list[dict[str, Any]]) -> list[str]:
        return [p["id"] for p in people]

    cases: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        ({}, [ada, grace, alan, nobody]),
        ({"organisation_id": northwind}, [ada, alan]),
        ({"organisation_id": contoso}, [grace]),
        ({"organisation_id": "org_" + "0" * 32}, []),
        ({"organisation_id": "garbage"}, []),
        ({"relationship_stage": "contacted"}, [ada, alan]),
        ({"relationship_stage": "identified"}, [nobody]),
        ({"relationship_stage": "dormant"}, []),
        ({"source": "referral"}, [grace, alan]),
        ({"source": "alumni"}, [ada]),
        ({"tag": "Math"}, [ada]),
        ({"tag": "navy"}, [grace]),
        ({"tag": "math"}, []),  # tags match exactly
        ({"referred_by_id": ada["id"]}, [grace, alan]),
        ({"referred_by_id": grace["id"]}, []),
        ({"q": "LOVELACE"}, [ada]),
        ({"q": "analytical.example"}, [ada]),
        ({"q": "admiral"}, [grace]),
        ({"q": "100%"}, [alan]),
        ({"q": "runs_and"}, [alan]),
        ({"q": "%"}, [alan]),
        ({"q": "_"}, [alan]),
        ({"q": "a"}, [ada, grace, alan]),
        ({"q": "zzz"}, []),
        (
            {"organisation_id": northwind, "relationship_stage": "contacted", "source": "referral"},
            [alan],
        ),
        ({"referred_by_id": ada["id"], "sort": "-family_name"}, [alan, grace]),
    ]
    for params, expected in cases:
        assert ids_of(await all_people(client, owner, **params)) == ids_of(expected), params


async def test_search_follows_updates(client: httpx.AsyncClient, owner: Account) -> None:
    person = await create_person(client, owner, notes="likes sailing")
    assert len(await all_people(client, owner, q="sailing")) == 1
    await client.patch(
        f"{collection(owner)}/{person['id']}",
        json={"notes": "likes chess", "emails": [{"address": "new@chess.example"}]},
        headers=owner.headers,
    )
    assert await all_people(client, owner, q="sailing") == []
    assert len(await all_people(client, owner, q="chess.example")) == 1


async def test_people_by_organisation(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    northwind = await insert_organisation(database, owner.workspace_id, "Northwind")
    contoso = await insert_organisation(database, owner.workspace_id, "Contoso")
    empty = await insert_organisation(database, owner.workspace_id, "Empty")
    ada = await create_person(
        client, owner, family_name="Lovelace", organisation_id=northwind, tags=["x"]
    )
    alan = await create_person(
        client, owner, family_name="Turing", organisation_id=northwind, source="referral"
    )
    await create_person(client, owner, organisation_id=contoso)
    await create_person(client, owner)

    def path(organisation_id: str) -> str:
        return f"/v1/workspaces/{owner.workspace_id}/organisations/{organisation_id}/people"

    found = await all_people(client, owner, path(northwind))
    assert [p["id"] for p in found] == [ada["id"], alan["id"]]
    found = await all_people(client, owner, path(northwind), sort="-family_name", limit=1)
    assert [p["id"] for p in found] == [alan["id"], ada["id"]]
    assert [p["id"] for p in await all_people(client, owner, path(northwind), tag="x")] == [
        ada["id"]
    ]
    assert [
        p["id"] for p in await all_people(client, owner, path(northwind), source="referral")
    ] == [alan["id"]]
    assert await all_people(client, owner, path(empty)) == []

    # The organisation filter is the path; the query parameter does not exist here.
    response = await client.get(
        path(northwind), params={"organisation_id": contoso}, headers=owner.headers
    )
    assert_problem(response, 422, "validation_failed")

    stranger = await signup(client, name="Stranger")
    foreign = await insert_organisation(database, stranger.workspace_id, "Foreign")
    for organisation_id in (foreign, "org_" + "0" * 32, "garbage", ada["id"]):
        response = await client.get(path(organisation_id), headers=owner.headers)
        assert_problem(response, 404, "not_found")


async def test_following_link_keeps_the_filters_and_replaces_the_cursor(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """The Link header is the request's own URL with `cursor` replaced: filters (with characters
    that need encoding) survive, and a followed link never carries two cursors."""
    for n in range(5):
        await create_person(
            client, owner, given_name=f"Ana {n}", notes="50% & co + more", tags=["a b/c"]
        )
    await create_person(client, owner, given_name="Other")
    query = {"limit": "2", "q": "50% & co", "tag": "a b/c", "sort": "-created_at"}
    seen: list[str] = []
    response = await client.get(collection(owner), params=query, headers=owner.headers)
    for _ in range(5):
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(p["id"] for p in page["data"])
        if not page["has_more"]:
            assert "link" not in response.headers
            break
        link = response.headers["link"]
        assert link.startswith("<http://"), link
        assert link.endswith('>; rel="next"'), link
        url = httpx.URL(link[1 : -len('>; rel="next"')])
        assert url.path == collection(owner)
        assert url.params.get_list("cursor") == [page["next_cursor"]]
        assert {k: url.params[k] for k in query} == query
        response = await client.get(str(url), headers=owner.headers)
    assert len(seen) == 5
    assert len(set(seen)) == 5


async def test_an_empty_cursor_is_refused_as_the_document_says(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}/people?cursor=", headers=owner.headers
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["parameter"] == "cursor"
