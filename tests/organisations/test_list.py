"""`GET …/organisations`: every filter, every sort, and keyset pagination through each sort."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.organisations.factories import all_organisations, collection, create_organisation

# Letters only, in mixed case: ordered alike by Python and by every database collation.
WORDS = [
    "kestrel", "Alder", "birch", "Cedar", "dogwood", "Elm", "fir", "Ginkgo", "hazel", "Ivy",
    "juniper", "Larch", "maple", "Nutmeg", "oak", "Pine", "quince", "Rowan", "spruce", "Teak",
    "ulmus", "Vine", "willow", "Yew", "zelkova",
]  # fmt: skip


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _rank_key(o: dict[str, Any], descending: bool) -> tuple[Any, ...]:
    rank = o["target_rank"]
    # Unranked come last in both directions, in id order among themselves.
    if rank is None:
        return (1, 0, o["id"])
    return (0, -rank if descending else rank, o["id"])


def expected_order(records: list[dict[str, Any]], sort: str) -> list[str]:
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field == "target_rank":
        ranked = [o for o in records if o["target_rank"] is not None]
        unranked = [o for o in records if o["target_rank"] is None]
        ranked.sort(key=lambda o: (o["target_rank"], o["id"]), reverse=descending)
        unranked.sort(key=lambda o: o["id"], reverse=descending)
        return [o["id"] for o in ranked + unranked]
    keys = {
        "created_at": lambda o: (_time(o["created_at"]), o["id"]),
        "updated_at": lambda o: (_time(o["updated_at"]), o["id"]),
        "name": lambda o: (o["name"].lower(), o["id"]),
    }
    return [o["id"] for o in sorted(records, key=keys[field], reverse=descending)]


async def make_twenty_five(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    """25 organisations whose creation, update, name and rank orders all differ; ranks tie."""
    made = []
    for index, word in enumerate(WORDS):
        fields: dict[str, Any] = {}
        if index % 3 != 0:
            fields = {"is_target": True, "target_rank": (index * 7) % 5 + 1}  # ranks 1–5, tied
        made.append(await create_organisation(client, account, word, **fields))
    # Update every other one, in reverse, so that updated_at order is neither of the others.
    for record in made[::-2]:
        response = await client.patch(
            f"{collection(account)}/{record['id']}", json={"notes": "seen"}, headers=account.headers
        )
        assert response.status_code == 200
    return await all_organisations(client, account)


SORTS = [
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "name",
    "-name",
    "target_rank",
    "-target_rank",
]


@pytest.mark.parametrize("sort", SORTS)
async def test_pages_visit_every_organisation_once_in_sort_order(
    client: httpx.AsyncClient, owner: Account, sort: str
) -> None:
    records = await make_twenty_five(client, owner)
    assert len(records) == 25
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 4, "sort": sort}
    for _ in range(10):
        response = await client.get(collection(owner), params=params, headers=owner.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["object"] == "list"
        assert len(page["data"]) <= 4
        seen.extend(o["id"] for o in page["data"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            assert "link" not in response.headers
            break
        assert page["next_cursor"]
        assert 'rel="next"' in response.headers["link"]
        params["cursor"] = page["next_cursor"]
    assert seen == expected_order(records, sort)
    assert len(set(seen)) == 25


async def test_the_default_sort_is_creation_order(
    client: httpx.AsyncClient, owner: Account
) -> None:
    made = [await create_organisation(client, owner, word) for word in ("Zeta", "Alpha", "Mu")]
    response = await client.get(collection(owner), headers=owner.headers)
    assert [o["id"] for o in response.json()["data"]] == [o["id"] for o in made]


async def test_a_cursor_keeps_its_place_when_records_are_added(
    client: httpx.AsyncClient, owner: Account
) -> None:
    made = [await create_organisation(client, owner, f"Org{word}") for word in WORDS[:5]]
    first = (
        await client.get(
            collection(owner), params={"limit": 2, "sort": "name"}, headers=owner.headers
        )
    ).json()
    # Added before the cursor's position: not seen again, nothing repeated.
    await create_organisation(client, owner, "Aaa")
    rest = await all_organisations(client, owner, sort="name", cursor=first["next_cursor"])
    names = [o["name"] for o in first["data"] + rest]
    assert names == sorted((o["name"] for o in made), key=str.lower)


# --- filters ------------------------------------------------------------------------------------


async def _names(client: httpx.AsyncClient, owner: Account, **params: Any) -> list[str]:
    return [o["name"] for o in await all_organisations(client, owner, **params)]


async def test_filter_by_target(client: httpx.AsyncClient, owner: Account) -> None:
    await create_organisation(client, owner, "Acme", is_target=True, target_rank=1)
    await create_organisation(client, owner, "Beta")
    await create_organisation(client, owner, "Gamma", is_target=True)
    assert await _names(client, owner, is_target="true") == ["Acme", "Gamma"]
    assert await _names(client, owner, is_target="false") == ["Beta"]
    bad = await client.get(
        collection(owner), params={"is_target": "sometimes"}, headers=owner.headers
    )
    body = assert_problem(bad, 422, "validation_failed")
    assert body["errors"][0]["parameter"] == "is_target"


async def test_filter_by_industry(client: httpx.AsyncClient, owner: Account) -> None:
    await create_organisation(client, owner, "Acme", industry="Energy")
    await create_organisation(client, owner, "Beta", industry="Energy storage")
    await create_organisation(client, owner, "Gamma")
    assert await _names(client, owner, industry="Energy") == ["Acme"]
    assert await _names(client, owner, industry="Energy storage") == ["Beta"]
    assert await _names(client, owner, industry="Finance") == []


async def test_filter_by_tag(client: httpx.AsyncClient, owner: Account) -> None:
    await create_organisation(client, owner, "Acme", tags=["energy", "top-10"])
    await create_organisation(client, owner, "Beta", tags=["finance"])
    await create_organisation(client, owner, "Gamma", tags=["top-10"])
    await create_organisation(client, owner, "Delta", tags=["top-100"])
    assert await _names(client, owner, tag="top-10") == ["Acme", "Gamma"]
    assert await _names(client, owner, tag="finance") == ["Beta"]
    assert await _names(client, owner, tag="top") == []
    assert await _names(client, owner, tag='"top-10"') == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Grid Storage Ltd"),
        ("industry", "Grid storage"),
        ("location", "Grid storage town"),
        ("why_interested", "Loves grid storage"),
        ("culture", "grid STORAGE nerds"),
        ("strengths", "grid storage"),
        ("recent_news", "Grid storage award"),
        ("competitors", "Grid Storage plc"),
        ("position_in_field", "#1 in grid storage"),
        ("notes", "grid storage"),
    ],
)
async def test_q_searches_each_text_field(
    client: httpx.AsyncClient, owner: Account, field: str, value: str
) -> None:
    fields = {field: value} if field != "name" else {}
    name = value if field == "name" else "Match"
    await create_organisation(client, owner, name, **fields)
    await create_organisation(client, owner, "Other", notes="wind farms")
    assert await _names(client, owner, q="GRID stor") == [name]


async def test_q_follows_updates_and_takes_wildcards_literally(
    client: httpx.AsyncClient, owner: Account
) -> None:
    acme = await create_organisation(client, owner, "Acme", notes="100% remote")
    await create_organisation(client, owner, "Beta", notes="1000 staff")
    assert await _names(client, owner, q="100%") == ["Acme"]
    assert await _names(client, owner, q="1_0") == []
    await client.patch(
        f"{collection(owner)}/{acme['id']}", json={"notes": None}, headers=owner.headers
    )
    assert await _names(client, owner, q="remote") == []
    await client.patch(
        f"{collection(owner)}/{acme['id']}", json={"name": "Remote First"}, headers=owner.headers
    )
    assert await _names(client, owner, q="remote") == ["Remote First"]


async def test_filters_combine(client: httpx.AsyncClient, owner: Account) -> None:
    await create_organisation(client, owner, "Acme", industry="Energy", is_target=True, tags=["a"])
    await create_organisation(client, owner, "Beta", industry="Energy", tags=["a"])
    await create_organisation(client, owner, "Gamma", industry="Energy", is_target=True)
    names = await _names(client, owner, industry="Energy", is_target="true", tag="a", q="acm")
    assert names == ["Acme"]


async def test_a_list_shows_only_the_workspaces_organisations(
    client: httpx.AsyncClient, owner: Account
) -> None:
    other = await signup(client, name="Other")
    await create_organisation(client, owner, "Mine")
    await create_organisation(client, other, "Theirs")
    assert await _names(client, owner) == ["Mine"]
    assert await _names(client, other) == ["Theirs"]
    foreign = await client.get(collection(other), headers=owner.headers)
    assert_problem(foreign, 404, "not_found")


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"sort": "website"}, "sort", "invalid_sort"),
        ({"sort": "name_key"}, "sort", "invalid_sort"),
        ({"limit": 0}, "limit", "greater_than_equal"),
        ({"limit": 101}, "limit", "less_than_equal"),
        ({"cursor": "not-a-cursor"}, "cursor", "invalid_cursor"),
        ({"q": "x" * 201}, "q", "string_too_long"),
        ({"tag": "x" * 51}, "tag", "string_too_long"),
        ({"industry": "x" * 201}, "industry", "string_too_long"),
        ({"size": "1-10"}, "size", "unknown_parameter"),
    ],
)
async def test_bad_list_parameters_are_rejected(
    client: httpx.AsyncClient,
    owner: Account,
    params: dict[str, Any],
    parameter: str,
    code: str,
) -> None:
    response = await client.get(collection(owner), params=params, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert {"parameter": parameter, "code": code} in [
        {"parameter": e.get("parameter"), "code": e["code"]} for e in body["errors"]
    ], body


async def test_a_cursor_of_another_sort_is_rejected(
    client: httpx.AsyncClient, owner: Account
) -> None:
    for word in WORDS[:3]:
        await create_organisation(client, owner, word)
    first = await client.get(
        collection(owner), params={"limit": 1, "sort": "name"}, headers=owner.headers
    )
    cursor = first.json()["next_cursor"]
    response = await client.get(
        collection(owner), params={"cursor": cursor, "sort": "-name"}, headers=owner.headers
    )
    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize(
    "values",
    [["not a time", "org_x"], ["2026-01-01T00:00:00", "org_x"], [1, 2], ["x"]],
)
async def test_a_forged_cursor_is_a_422_not_a_crash(
    client: httpx.AsyncClient, owner: Account, values: list[Any]
) -> None:
    forged = base64.urlsafe_b64encode(orjson.dumps({"s": "created_at", "v": values})).decode()
    response = await client.get(collection(owner), params={"cursor": forged}, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "invalid_cursor"


@pytest.mark.parametrize("values", [["x", "org_x"], [1.5, "org_x"], [True, "org_x"]])
async def test_a_forged_rank_cursor_is_a_422(
    client: httpx.AsyncClient, owner: Account, values: list[Any]
) -> None:
    forged = base64.urlsafe_b64encode(orjson.dumps({"s": "target_rank", "v": values})).decode()
    response = await client.get(
        collection(owner), params={"cursor": forged, "sort": "target_rank"}, headers=owner.headers
    )
    assert_problem(response, 422, "validation_failed")


# --- API keys -----------------------------------------------------------------------------------


async def test_api_key_scopes_decide_reads_and_writes(
    client: httpx.AsyncClient, owner: Account
) -> None:
    reader = await create_api_key(client, owner, ["organisations:read"])
    writer = await create_api_key(client, owner, ["organisations:write"])
    other_family = await create_api_key(client, owner, ["people:write"])

    made = await client.post(
        collection(owner), json={"name": "By key"}, headers=bearer(writer["secret"])
    )
    assert made.status_code == 201, made.text

    listed = await client.get(collection(owner), headers=bearer(reader["secret"]))
    assert [o["name"] for o in listed.json()["data"]] == ["By key"]

    refused = await client.post(
        collection(owner), json={"name": "Nope"}, headers=bearer(reader["secret"])
    )
    body = assert_problem(refused, 403, "insufficient_scope")
    assert body["scope"] == "organisations:write"
    blind = await client.get(collection(owner), headers=bearer(other_family["secret"]))
    assert_problem(blind, 403, "insufficient_scope")
    assert await _names(client, owner) == ["By key"]
