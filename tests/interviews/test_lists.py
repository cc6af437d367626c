"""Listing interviews: filters, sorts, keyset pages and `?expand` in a constant number of
statements."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.core import ids
from app.core.db import Database
from app.interviews.models import interviews
from app.organisations.models import organisations
from app.people.models import people
from tests.conftest import Account, assert_problem
from tests.interviews.factories import base, create_interview, make_organisation, make_person


async def collect(
    client: httpx.AsyncClient, account: Account, params: dict[str, Any], limit: int = 2
) -> list[dict[str, Any]]:
    """Every page of a list, following `next_cursor` (at most 50 pages)."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(base(account), params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        assert len(body["data"]) <= limit
        cursor = body["next_cursor"]
        assert body["has_more"] == (cursor is not None)
        if cursor is None:
            return items
        assert response.headers["link"].endswith('rel="next"')
    raise AssertionError("more pages than expected")


async def schedule(client: httpx.AsyncClient, owner: Account, interview_id: str, at: str) -> None:
    response = await client.post(
        f"{base(owner)}/{interview_id}/schedule", json={"scheduled_at": at}, headers=owner.headers
    )
    assert response.status_code == 200, response.text


async def test_filters_sorts_and_pages(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    org_a = await make_organisation(database, owner.workspace_id, "Alpha")
    org_b = await make_organisation(database, owner.workspace_id, "Beta")
    ada = await make_person(database, owner.workspace_id, "Ada Lovelace", org_a)
    alan = await make_person(database, owner.workspace_id, "Alan Turing", org_b)
    i1 = await create_interview(client, owner, ada, career_field="Data Engineering")
    i2 = await create_interview(client, owner, ada, notes="Talked about 100% uptime")
    i3 = await create_interview(client, owner, alan, goals="Learn about compilers")
    i4 = await create_interview(client, owner, alan, organisation_id=None)
    i5 = await create_interview(client, owner, ada)
    await schedule(client, owner, i1["id"], "2026-12-03T09:00:00Z")
    await schedule(client, owner, i2["id"], "2026-12-01T09:00:00Z")
    await schedule(client, owner, i3["id"], "2026-12-02T09:00:00+00:00")
    await client.post(f"{base(owner)}/{i4['id']}/request", headers=owner.headers)

    def ids_of(items: list[dict[str, Any]]) -> list[str]:
        return [i["id"] for i in items]

    created = [i1["id"], i2["id"], i3["id"], i4["id"], i5["id"]]
    assert ids_of(await collect(client, owner, {})) == created
    assert ids_of(await collect(client, owner, {"sort": "created_at"})) == created
    assert ids_of(await collect(client, owner, {"sort": "-created_at"})) == created[::-1]
    # Unscheduled interviews come last in both directions.
    assert ids_of(await collect(client, owner, {"sort": "scheduled_at"})) == [
        i2["id"],
        i3["id"],
        i1["id"],
        i4["id"],
        i5["id"],
    ]
    # Descending, the unscheduled ones are in descending id order too.
    assert ids_of(await collect(client, owner, {"sort": "-scheduled_at"}, limit=1)) == [
        i1["id"],
        i3["id"],
        i2["id"],
        i5["id"],
        i4["id"],
    ]
    assert ids_of(await collect(client, owner, {"status": "scheduled"})) == [
        i1["id"],
        i2["id"],
        i3["id"],
    ]
    assert ids_of(await collect(client, owner, {"status": "requested"})) == [i4["id"]]
    assert ids_of(await collect(client, owner, {"person_id": alan})) == [i3["id"], i4["id"]]
    assert ids_of(await collect(client, owner, {"organisation_id": org_a})) == [
        i1["id"],
        i2["id"],
        i5["id"],
    ]
    assert await collect(client, owner, {"person_id": "per_nonsense"}) == []
    assert ids_of(
        await collect(
            client,
            owner,
            {
                "scheduled_after": "2026-12-02T09:00:00Z",
                "scheduled_before": "2026-12-03T09:00:00Z",
            },
        )
    ) == [i3["id"]]
    assert ids_of(
        await collect(
            client, owner, {"scheduled_after": "2026-12-02T10:00:00+01:00", "sort": "scheduled_at"}
        )
    ) == [i3["id"], i1["id"]]
    assert ids_of(await collect(client, owner, {"q": "ENGINEERING"})) == [i1["id"]]
    assert ids_of(await collect(client, owner, {"q": "100%"})) == [i2["id"]]
    assert ids_of(await collect(client, owner, {"q": "compilers"})) == [i3["id"]]
    assert ids_of(await collect(client, owner, {"q": "compilers", "person_id": ada})) == []


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"sort": "person_id"}, "sort", "invalid_sort"),
        ({"status": "done"}, "status", "enum"),
        ({"scheduled_after": "2026-12-01T09:00:00"}, "scheduled_after", "timezone_aware"),
        ({"scheduled_before": "soon"}, "scheduled_before", "datetime_from_date_parsing"),
        (
            {"scheduled_after": "2026-12-02T00:00:00Z", "scheduled_before": "2026-12-01T00:00:00Z"},
            "scheduled_after",
            "invalid_range",
        ),
        ({"expand": "person,manager"}, "expand", "invalid_expand"),
        # Each name once and exactly: the document's array of distinct names.
        ({"expand": "person,person"}, "expand", "invalid_expand"),
        ({"expand": "person, organisation"}, "expand", "invalid_expand"),
        ({"expand": "person,"}, "expand", "invalid_expand"),
        ({"limit": 0}, "limit", "greater_than_equal"),
        ({"limit": 101}, "limit", "less_than_equal"),
        ({"cursor": "garbage"}, "cursor", "invalid_cursor"),
        ({"colour": "red"}, "colour", "unknown_parameter"),
        ({"q": "x" * 201}, "q", "string_too_long"),
    ],
)
async def test_bad_list_parameters_are_422(
    client: httpx.AsyncClient, owner: Account, params: dict[str, Any], parameter: str, code: str
) -> None:
    response = await client.get(base(owner), params=params, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["parameter"] == parameter
    assert body["errors"][0]["code"] == code


async def test_a_cursor_of_another_sort_is_refused(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    for _ in range(2):
        await create_interview(client, owner, person_id)
    first = (await client.get(base(owner), params={"limit": 1}, headers=owner.headers)).json()
    response = await client.get(
        base(owner),
        params={"limit": 1, "cursor": first["next_cursor"], "sort": "-scheduled_at"},
        headers=owner.headers,
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "invalid_cursor"


async def test_expand_embeds_person_and_organisation(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await make_organisation(database, owner.workspace_id, "Gamma")
    person_id = await make_person(database, owner.workspace_id, "Ada Lovelace", organisation_id)
    with_org = await create_interview(client, owner, person_id)
    without_org = await create_interview(client, owner, person_id, organisation_id=None)

    url = f"{base(owner)}/{with_org['id']}"
    plain = await client.get(url, headers=owner.headers)
    expanded = await client.get(
        url, params={"expand": "person,organisation"}, headers=owner.headers
    )
    body = expanded.json()
    assert body["person"]["object"] == "person"
    assert body["person"]["id"] == person_id
    assert body["person"]["display_name"] == "Ada Lovelace"
    assert body["person"]["organisation_id"] == organisation_id
    assert "search_text" not in body["person"]
    assert body["organisation"]["object"] == "organisation"
    assert body["organisation"]["name"] == "Gamma"
    assert "name_key" not in body["organisation"]
    assert {k: v for k, v in body.items() if k not in ("person", "organisation")} == {
        k: v for k, v in plain.json().items() if k not in ("person", "organisation")
    }
    assert expanded.headers["etag"] != plain.headers["etag"]

    only_person = (await client.get(url, params={"expand": "person"}, headers=owner.headers)).json()
    assert only_person["person"]["id"] == person_id
    assert only_person["organisation"] is None

    listed = (
        await client.get(base(owner), params={"expand": "organisation"}, headers=owner.headers)
    ).json()["data"]
    assert [i["organisation"] and i["organisation"]["id"] for i in listed] == [
        organisation_id,
        None,
    ]
    assert [i["person"] for i in listed] == [None, None]
    assert without_org["organisation_id"] is None


async def _api_people(
    client: httpx.AsyncClient, owner: Account, count: int
) -> tuple[str, list[str]]:
    """An organisation and `count` people at it, made through the API (so with their stored
    documents, as every service write leaves them)."""
    ws = f"/v1/workspaces/{owner.workspace_id}"
    organisation = await client.post(
        f"{ws}/organisations", json={"name": "Northwind"}, headers=owner.headers
    )
    assert organisation.status_code == 201, organisation.text
    organisation_id = organisation.json()["id"]
    person_ids = []
    for n in range(count):
        person = await client.post(
            f"{ws}/people",
            json={
                "given_name": "Person",
                "family_name": str(n),
                "organisation_id": organisation_id,
            },
            headers=owner.headers,
        )
        assert person.status_code == 201, person.text
        person_ids.append(person.json()["id"])
    return organisation_id, person_ids


async def test_expanded_lists_cost_the_same_statements_whatever_the_page_size(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id, person_ids = await _api_people(client, owner, 5)
    for n in range(50):
        await create_interview(client, owner, person_ids[n % 5])

    async def statements_for(limit: int) -> int:
        before = database.statement_count
        response = await client.get(
            base(owner),
            params={"expand": "person,organisation", "limit": limit},
            headers=owner.headers,
        )
        assert response.status_code == 200
        data = response.json()["data"]
        assert len(data) == limit
        assert all(i["person"]["id"] in person_ids for i in data)
        assert all(i["organisation"]["id"] == organisation_id for i in data)
        return database.statement_count - before

    small, large = await statements_for(5), await statements_for(50)
    assert small == large
    plain_before = database.statement_count
    await client.get(base(owner), params={"limit": 50}, headers=owner.headers)
    assert database.statement_count - plain_before == large


TABLES = {"interviews": interviews, "people": people, "organisations": organisations}


@pytest.mark.parametrize("stale", list(TABLES))
async def test_a_row_without_its_document_is_read_again_whole(
    client: httpx.AsyncClient, owner: Account, database: Database, stale: str
) -> None:
    """A page is read by its stored documents; a row (or an embedded object) without its
    current document makes it read again with every column, and the page is the same."""
    _, person_ids = await _api_people(client, owner, 2)
    for n in range(4):
        await create_interview(client, owner, person_ids[n % 2])
    params = {"expand": "person,organisation", "limit": 3}

    async def page() -> tuple[bytes, int]:
        before = database.statement_count
        response = await client.get(base(owner), params=params, headers=owner.headers)
        assert response.status_code == 200, response.text
        return response.content, database.statement_count - before

    documented, statements = await page()
    # Another release's document, as a rolling deploy leaves it.
    async with database.transaction() as db:
        table = TABLES[stale]
        await db.execute(
            update(table)
            .where(table.c.workspace_id == owner.workspace_id)
            .values(doc_version="other")
        )
    rebuilt, more = await page()
    assert rebuilt == documented
    assert more == statements + 1


async def test_lists_never_show_other_workspaces(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    from tests.conftest import signup

    stranger = await signup(client, name="Stranger")
    theirs = await make_person(database, stranger.workspace_id)
    await create_interview(client, stranger, theirs)
    assert await collect(client, owner, {}) == []
    assert await collect(client, owner, {"person_id": theirs}) == []
    assert len(await collect(client, stranger, {"expand": "person"})) == 1
    assert ids.is_valid(theirs, "per")
