"""`/v1/workspaces/{workspace_id}/organisations`: create, get, merge-patch, delete."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from app.core import ids
from app.core.db import Database, utcnow
from app.people.models import people
from tests.conftest import Account, assert_problem, signup
from tests.organisations.factories import all_organisations, collection, create_organisation
from tests.request_schemas import request_body_validator

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
MISSING = "org_" + "0" * 32

FULL: dict[str, Any] = {
    "name": "Northwind Energy",
    "website": "https://northwind.example/careers",
    "industry": "Renewable energy",
    "size": "201-1000",
    "location": "Leeds, UK",
    "is_target": True,
    "target_rank": 2,
    "why_interested": "Grid storage, what my thesis was about.",
    "culture": "Engineers lead; remote-friendly.",
    "strengths": "Battery chemistry patents.",
    "recent_news": "Opened a plant in Hull.",
    "competitors": "Southwind, Eastgrid",
    "position_in_field": "Third in UK storage capacity.",
    "notes": "Ask Sam about the graduate scheme.",
    "tags": ["energy", "top-10"],
}
NULLABLE = [
    "website",
    "industry",
    "size",
    "location",
    "target_rank",
    "why_interested",
    "culture",
    "strengths",
    "recent_news",
    "competitors",
    "position_in_field",
    "notes",
]


def item(account: Account, organisation_id: str) -> str:
    return f"{collection(account)}/{organisation_id}"


async def stored(client: httpx.AsyncClient, account: Account, organisation_id: str) -> Any:
    """What the API now holds for the organisation: its body and ETag (or the 404)."""
    response = await client.get(item(account, organisation_id), headers=account.headers)
    return response.status_code, response.json(), response.headers.get("etag")


# --- create -------------------------------------------------------------------------------------


async def test_create_returns_the_organisation_with_location_and_etag(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(collection(owner), json=FULL, headers=owner.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["object"] == "organisation"
    assert body["id"].startswith("org_")
    assert ids.is_valid(body["id"], "org")
    assert body["workspace_id"] == owner.workspace_id
    assert {k: body[k] for k in FULL} == FULL
    assert "name_key" not in body
    assert "search_text" not in body
    assert RFC3339_UTC.match(body["created_at"])
    assert body["created_at"] == body["updated_at"]
    assert response.headers["location"] == item(owner, body["id"])

    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_create_with_only_a_name_uses_the_defaults(
    client: httpx.AsyncClient, owner: Account
) -> None:
    body = await create_organisation(client, owner, "Acme")
    assert body["is_target"] is False
    assert body["tags"] == []
    assert all(body[field] is None for field in NULLABLE)


async def test_create_normalises_tags_and_the_website(
    client: httpx.AsyncClient, owner: Account
) -> None:
    body = await create_organisation(
        client, owner, tags=[" Energy ", "energy", "ENERGY", "top-10"], website="HTTPS://Acme.io"
    )
    assert body["tags"] == ["Energy", "top-10"]
    assert body["website"] == "https://acme.io/"


async def test_an_editor_creates_and_a_viewer_cannot(
    client: httpx.AsyncClient, owner: Account, editor: Account, viewer: Account
) -> None:
    made = await client.post(collection(owner), json={"name": "Acme"}, headers=editor.headers)
    assert made.status_code == 201, made.text

    refused = await client.post(collection(owner), json={"name": "Beta"}, headers=viewer.headers)
    assert_problem(refused, 403, "forbidden")
    assert [o["name"] for o in await all_organisations(client, owner)] == ["Acme"]

    # A viewer reads.
    assert (await client.get(collection(owner), headers=viewer.headers)).status_code == 200
    got = await client.get(item(owner, made.json()["id"]), headers=viewer.headers)
    assert got.status_code == 200


async def test_a_rank_on_create_puts_the_organisation_on_the_target_list(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(
        collection(owner), json={"name": "Acme", "target_rank": 3}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    assert (response.json()["is_target"], response.json()["target_rank"]) == (True, 3)
    assert (await stored(client, owner, response.json()["id"]))[1] == response.json()

    # A null rank is no rank: the organisation stays off the list.
    unranked = await create_organisation(client, owner, "Beta", target_rank=None)
    assert (unranked["is_target"], unranked["target_rank"]) == (False, None)


@pytest.mark.parametrize(
    ("payload", "pointer", "code"),
    [
        ({}, "/name", "missing"),
        ({"name": ""}, "/name", "string_too_short"),
        ({"name": None}, "/name", "string_type"),
        ({"name": 42}, "/name", "string_type"),
        ({"name": "x" * 201}, "/name", "string_too_long"),
        ({"name": "Acme", "nmae": "typo"}, "/nmae", "extra_forbidden"),
        ({"name": "Acme", "name_key": "acme"}, "/name_key", "extra_forbidden"),
        ({"name": "Acme", "id": MISSING}, "/id", "extra_forbidden"),
        ({"name": "Acme\x00"}, "/name", "value_error"),
        ({"name": "Acme", "website": "not a url"}, "/website", "url_parsing"),
        ({"name": "Acme", "website": "ftp://acme.io"}, "/website", "url_scheme"),
        ({"name": "Acme", "website": "javascript:alert(1)"}, "/website", "url_scheme"),
        (
            {"name": "Acme", "website": "https://acme.io/" + "a" * 2048},
            "/website",
            "url_too_long",
        ),
        # Short enough as sent (2,046 bytes), too long once its host is punycoded (9,173).
        (
            {"name": "Acme", "website": "https://" + "㍿." * 509 + "io"},
            "/website",
            "value_error",
        ),
        ({"name": "Acme", "industry": "x" * 201}, "/industry", "string_too_long"),
        ({"name": "Acme", "location": "x" * 201}, "/location", "string_too_long"),
        ({"name": "Acme", "size": "huge"}, "/size", "enum"),
        ({"name": "Acme", "is_target": "maybe"}, "/is_target", "bool_type"),
        # A JSON boolean, strictly, as everywhere in the API.
        ({"name": "Acme", "is_target": 1}, "/is_target", "bool_type"),
        ({"name": "Acme", "is_target": "true"}, "/is_target", "bool_type"),
        (
            {"name": "Acme", "is_target": True, "target_rank": 0},
            "/target_rank",
            "greater_than_equal",
        ),
        (
            {"name": "Acme", "is_target": True, "target_rank": 1001},
            "/target_rank",
            "less_than_equal",
        ),
        ({"name": "Acme", "is_target": True, "target_rank": "1st"}, "/target_rank", "int_type"),
        # A JSON integer, strictly: not a boolean, a float or numeric text.
        ({"name": "Acme", "is_target": True, "target_rank": True}, "/target_rank", "int_type"),
        ({"name": "Acme", "target_rank": 1.5}, "/target_rank", "int_type"),
        ({"name": "Acme", "target_rank": 1.25}, "/target_rank", "int_type"),
        ({"name": "Acme", "target_rank": "1"}, "/target_rank", "int_type"),
        (
            {"name": "Acme", "is_target": False, "target_rank": 3},
            "/target_rank",
            "rank_without_target",
        ),
        ({"name": "Acme", "notes": "x" * 10_001}, "/notes", "string_too_long"),
        ({"name": "Acme", "culture": "x" * 10_001}, "/culture", "string_too_long"),
        ({"name": "Acme", "why_interested": ["a"]}, "/why_interested", "string_type"),
        ({"name": "Acme", "tags": "energy"}, "/tags", "list_type"),
        ({"name": "Acme", "tags": None}, "/tags", "list_type"),
        ({"name": "Acme", "tags": ["x" * 51]}, "/tags/0", "string_too_long"),
        ({"name": "Acme", "tags": ["ok", ""]}, "/tags/1", "string_too_short"),
        ({"name": "Acme", "tags": [7]}, "/tags/0", "string_type"),
        ({"name": "Acme", "tags": [f"t{i}" for i in range(51)]}, "/tags", "too_long"),
    ],
)
async def test_create_rejects_bad_input_and_creates_nothing(
    client: httpx.AsyncClient, owner: Account, payload: dict[str, Any], pointer: str, code: str
) -> None:
    response = await client.post(collection(owner), json=payload, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert {"pointer": pointer, "code": code} in [
        {"pointer": e.get("pointer"), "code": e["code"]} for e in body["errors"]
    ], body
    assert await all_organisations(client, owner) == []


async def test_create_rejects_a_body_that_is_not_an_object(
    client: httpx.AsyncClient, owner: Account
) -> None:
    as_list = await client.post(collection(owner), json=[FULL], headers=owner.headers)
    assert_problem(as_list, 422, "validation_failed")
    broken = await client.post(
        collection(owner),
        content=b'{"name": ',
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert_problem(broken, 400, "malformed_json")
    assert await all_organisations(client, owner) == []


@pytest.mark.parametrize("duplicate", ["Acme", "ACME", "acme"])
async def test_a_name_is_unique_in_the_workspace_ignoring_case(
    client: httpx.AsyncClient, owner: Account, duplicate: str
) -> None:
    first = await create_organisation(client, owner, "Acme")
    response = await client.post(collection(owner), json={"name": duplicate}, headers=owner.headers)
    body = assert_problem(response, 409, "organisation_name_taken")
    assert body["errors"][0]["pointer"] == "/name"
    assert await all_organisations(client, owner) == [first]


async def test_the_same_name_may_exist_in_another_workspace(
    client: httpx.AsyncClient, owner: Account
) -> None:
    other = await signup(client, name="Other")
    await create_organisation(client, owner, "Acme")
    again = await create_organisation(client, other, "Acme")
    assert again["workspace_id"] == other.workspace_id


# --- get ----------------------------------------------------------------------------------------


async def test_get_answers_304_while_the_etag_is_current(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(client, owner)
    url = item(owner, created["id"])
    first = await client.get(url, headers=owner.headers)
    etag = first.headers["etag"]

    fresh = await client.get(url, headers={**owner.headers, "If-None-Match": etag})
    assert fresh.status_code == 304
    assert fresh.content == b""
    assert fresh.headers["etag"] == etag

    await client.patch(url, json={"notes": "changed"}, headers=owner.headers)
    stale = await client.get(url, headers={**owner.headers, "If-None-Match": etag})
    assert stale.status_code == 200
    assert stale.json()["notes"] == "changed"
    assert stale.headers["etag"] != etag


@pytest.mark.parametrize(
    "organisation_id",
    [MISSING, "org_xyz", "per_" + "0" * 32, "wsp_" + "0" * 32, "ORG_" + "0" * 32, "%00"],
)
async def test_unknown_or_malformed_ids_are_not_found(
    client: httpx.AsyncClient, owner: Account, organisation_id: str
) -> None:
    for method, body in (("GET", None), ("PATCH", {"notes": "x"}), ("DELETE", None)):
        response = await client.request(
            method, item(owner, organisation_id), json=body, headers=owner.headers
        )
        assert_problem(response, 404, "not_found")


async def test_another_workspaces_organisation_is_not_found(
    client: httpx.AsyncClient, owner: Account
) -> None:
    theirs = await create_organisation(client, owner, "Acme")
    other = await signup(client, name="Other")
    # Through the other user's own workspace: simply not there.
    for method, body in (("GET", None), ("PATCH", {"name": "Mine"}), ("DELETE", None)):
        response = await client.request(
            method, item(other, theirs["id"]), json=body, headers=other.headers
        )
        assert_problem(response, 404, "not_found")
    # Through the owner's workspace, which the other user cannot see.
    response = await client.get(item(owner, theirs["id"]), headers=other.headers)
    assert_problem(response, 404, "not_found")
    assert (await stored(client, owner, theirs["id"]))[1] == theirs


# --- update -------------------------------------------------------------------------------------


async def test_patch_changes_only_the_fields_sent(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(
        client, owner, **{k: v for k, v in FULL.items() if k != "name"}
    )
    response = await client.patch(
        item(owner, created["id"]),
        json={"industry": "Energy storage", "size": "5001+", "tags": ["b", "a", "B"]},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = {**created, "industry": "Energy storage", "size": "5001+", "tags": ["b", "a"]}
    assert {k: v for k, v in body.items() if k != "updated_at"} == {
        k: v for k, v in expected.items() if k != "updated_at"
    }
    assert body["updated_at"] > created["updated_at"]
    assert (await stored(client, owner, created["id"]))[1] == body


async def test_an_empty_patch_changes_nothing(client: httpx.AsyncClient, owner: Account) -> None:
    created = await create_organisation(client, owner)
    response = await client.patch(item(owner, created["id"]), json={}, headers=owner.headers)
    assert response.status_code == 200
    assert response.json() == created


async def test_patch_null_clears_every_nullable_field(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(
        client, owner, **{k: v for k, v in FULL.items() if k != "name"}
    )
    response = await client.patch(
        item(owner, created["id"]), json=dict.fromkeys(NULLABLE), headers=owner.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert all(body[field] is None for field in NULLABLE)
    assert body["name"] == created["name"]
    assert body["is_target"] is True
    assert body["tags"] == created["tags"]
    assert (await stored(client, owner, created["id"]))[1] == body


@pytest.mark.parametrize("field", ["name", "is_target", "tags"])
async def test_patch_null_on_a_required_field_is_rejected(
    client: httpx.AsyncClient, owner: Account, field: str
) -> None:
    created = await create_organisation(client, owner, tags=["a"])
    response = await client.patch(
        item(owner, created["id"]), json={field: None}, headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == f"/{field}"
    assert (await stored(client, owner, created["id"]))[1] == created


@pytest.mark.parametrize(
    ("patch", "pointer", "code"),
    [
        ({"name": ""}, "/name", "string_too_short"),
        ({"name": "x" * 201}, "/name", "string_too_long"),
        ({"website": "mailto:hr@acme.io"}, "/website", "url_scheme"),
        ({"size": "small"}, "/size", "enum"),
        ({"target_rank": -1}, "/target_rank", "greater_than_equal"),
        ({"notes": "x" * 10_001}, "/notes", "string_too_long"),
        ({"tags": ["y" * 51]}, "/tags/0", "string_too_long"),
        ({"created_at": "2026-01-01T00:00:00Z"}, "/created_at", "extra_forbidden"),
        ({"workspace_id": "wsp_" + "0" * 32}, "/workspace_id", "extra_forbidden"),
        ({"is_target": 1}, "/is_target", "bool_type"),
        ({"is_target": "false"}, "/is_target", "bool_type"),
        ({"target_rank": True}, "/target_rank", "int_type"),
        ({"target_rank": 1.5}, "/target_rank", "int_type"),
        ({"target_rank": 2.5}, "/target_rank", "int_type"),
        ({"target_rank": "1"}, "/target_rank", "int_type"),
        # A rank with an explicit `is_target: false` is refused, whatever is stored.
        ({"is_target": False, "target_rank": 1}, "/target_rank", "rank_without_target"),
    ],
)
async def test_patch_rejects_bad_input_and_changes_nothing(
    client: httpx.AsyncClient,
    owner: Account,
    patch: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    created = await create_organisation(client, owner)
    response = await client.patch(item(owner, created["id"]), json=patch, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert {"pointer": pointer, "code": code} in [
        {"pointer": e.get("pointer"), "code": e["code"]} for e in body["errors"]
    ], body
    assert (await stored(client, owner, created["id"]))[1] == created


async def test_target_rank_follows_the_target_list(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(client, owner)
    url = item(owner, created["id"])
    ranked = await client.patch(
        url, json={"is_target": True, "target_rank": 1}, headers=owner.headers
    )
    assert (ranked.json()["is_target"], ranked.json()["target_rank"]) == (True, 1)

    moved = await client.patch(url, json={"target_rank": 4}, headers=owner.headers)
    assert moved.json()["target_rank"] == 4

    # Taking it off the target list also drops its place on it.
    dropped = await client.patch(url, json={"is_target": False}, headers=owner.headers)
    assert dropped.status_code == 200
    assert (dropped.json()["is_target"], dropped.json()["target_rank"]) == (False, None)

    # A target may be unranked.
    unranked = await client.patch(url, json={"is_target": True}, headers=owner.headers)
    assert (unranked.json()["is_target"], unranked.json()["target_rank"]) == (True, None)


async def test_a_rank_on_patch_puts_a_non_target_on_the_list(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(client, owner)
    assert created["is_target"] is False
    url = item(owner, created["id"])

    ranked = await client.patch(url, json={"target_rank": 2}, headers=owner.headers)
    assert ranked.status_code == 200, ranked.text
    assert (ranked.json()["is_target"], ranked.json()["target_rank"]) == (True, 2)
    assert (await stored(client, owner, created["id"]))[1] == ranked.json()

    # A null rank unranks a target and keeps it on the list.
    cleared = await client.patch(url, json={"target_rank": None}, headers=owner.headers)
    assert (cleared.json()["is_target"], cleared.json()["target_rank"]) == (True, None)

    # Off the list with a rank in the same patch is refused even for a target, and changes
    # nothing; off the list alone (or with a null rank) drops the rank.
    again = await client.patch(url, json={"target_rank": 5}, headers=owner.headers)
    refused = await client.patch(
        url, json={"is_target": False, "target_rank": 5}, headers=owner.headers
    )
    body = assert_problem(refused, 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/target_rank", "rank_without_target")
    ]
    assert (await stored(client, owner, created["id"]))[1] == again.json()
    dropped = await client.patch(
        url, json={"is_target": False, "target_rank": None}, headers=owner.headers
    )
    assert (dropped.json()["is_target"], dropped.json()["target_rank"]) == (False, None)


# Bodies around the rank rule, and whether the server takes them (on any organisation).
RANK_BODIES: list[tuple[dict[str, Any], bool]] = [
    ({"target_rank": 1}, True),
    ({"target_rank": None}, True),
    ({"is_target": True, "target_rank": 2}, True),
    ({"is_target": True, "target_rank": None}, True),
    ({"is_target": True}, True),
    ({"is_target": False}, True),
    ({"is_target": False, "target_rank": None}, True),
    ({"is_target": False, "target_rank": 3}, False),
    ({"is_target": False, "target_rank": 1000, "notes": "x"}, False),
]


@pytest.mark.parametrize(("fields", "taken"), RANK_BODIES)
async def test_the_documents_rank_rule_is_the_servers(
    app: Any, client: httpx.AsyncClient, owner: Account, fields: dict[str, Any], taken: bool
) -> None:
    """The object-level `not` of OrganisationCreate and OrganisationUpdate refuses exactly the
    bodies the server refuses with `rank_without_target`, on targets and non-targets alike."""
    document = app.openapi()
    create = request_body_validator(document, "organisations_create")
    update = request_body_validator(document, "organisations_update")

    body = {"name": "Acme", **fields}
    assert create.is_valid(body) is taken
    made = await client.post(collection(owner), json=body, headers=owner.headers)
    assert (made.status_code == 201) is taken, made.text

    assert update.is_valid(fields) is taken
    for is_target in (False, True):
        before = await create_organisation(
            client, owner, f"Target {is_target}", is_target=is_target
        )
        changed = await client.patch(item(owner, before["id"]), json=fields, headers=owner.headers)
        assert (changed.status_code == 200) is taken, changed.text
        if not taken:
            problem = assert_problem(changed, 422, "validation_failed")
            assert problem["errors"][0]["code"] == "rank_without_target"
            assert (await stored(client, owner, before["id"]))[1] == before


@pytest.mark.parametrize("new_name", ["Beta", "BETA", "beta"])
async def test_renaming_to_a_taken_name_is_a_conflict(
    client: httpx.AsyncClient, owner: Account, new_name: str
) -> None:
    await create_organisation(client, owner, "Beta")
    acme = await create_organisation(client, owner, "Acme")
    response = await client.patch(
        item(owner, acme["id"]), json={"name": new_name, "notes": "x"}, headers=owner.headers
    )
    body = assert_problem(response, 409, "organisation_name_taken")
    assert body["errors"][0]["pointer"] == "/name"
    assert (await stored(client, owner, acme["id"]))[1] == acme


async def test_renaming_changes_only_the_case_of_its_own_name(
    client: httpx.AsyncClient, owner: Account
) -> None:
    acme = await create_organisation(client, owner, "acme")
    response = await client.patch(
        item(owner, acme["id"]), json={"name": "ACME"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "ACME"
    # The old name is free again after a real rename.
    await client.patch(item(owner, acme["id"]), json={"name": "Acme Ltd"}, headers=owner.headers)
    await create_organisation(client, owner, "acme")


async def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(client, owner)
    url = item(owner, created["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]

    current = await client.patch(
        url, json={"notes": "first"}, headers={**owner.headers, "If-Match": etag}
    )
    assert current.status_code == 200
    assert current.headers["etag"] != etag
    after_first = await stored(client, owner, created["id"])

    stale = await client.patch(
        url, json={"notes": "second"}, headers={**owner.headers, "If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    assert await stored(client, owner, created["id"]) == after_first

    # The new ETag and `*` both match.
    for tag in (current.headers["etag"], "*"):
        ok = await client.patch(
            url, json={"notes": tag}, headers={**owner.headers, "If-Match": tag}
        )
        assert ok.status_code == 200


async def test_only_writers_may_patch(
    client: httpx.AsyncClient, owner: Account, editor: Account, viewer: Account
) -> None:
    created = await create_organisation(client, owner)
    refused = await client.patch(
        item(owner, created["id"]), json={"notes": "viewer"}, headers=viewer.headers
    )
    assert_problem(refused, 403, "forbidden")
    assert (await stored(client, owner, created["id"]))[1] == created

    allowed = await client.patch(
        item(owner, created["id"]), json={"notes": "editor"}, headers=editor.headers
    )
    assert allowed.status_code == 200
    assert allowed.json()["notes"] == "editor"


# --- delete -------------------------------------------------------------------------------------


async def test_delete_removes_the_organisation(client: httpx.AsyncClient, owner: Account) -> None:
    created = await create_organisation(client, owner)
    response = await client.delete(item(owner, created["id"]), headers=owner.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert (await stored(client, owner, created["id"]))[0] == 404
    assert await all_organisations(client, owner) == []
    again = await client.delete(item(owner, created["id"]), headers=owner.headers)
    assert_problem(again, 404, "not_found")


async def test_delete_with_a_stale_if_match_is_412_and_keeps_it(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(client, owner)
    url = item(owner, created["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    await client.patch(url, json={"notes": "changed"}, headers=owner.headers)
    before = await stored(client, owner, created["id"])

    stale = await client.delete(url, headers={**owner.headers, "If-Match": etag})
    assert_problem(stale, 412, "precondition_failed")
    assert await stored(client, owner, created["id"]) == before

    current = await client.delete(url, headers={**owner.headers, "If-Match": before[2]})
    assert current.status_code == 204


async def test_only_writers_may_delete(
    client: httpx.AsyncClient, owner: Account, editor: Account, viewer: Account
) -> None:
    created = await create_organisation(client, owner)
    refused = await client.delete(item(owner, created["id"]), headers=viewer.headers)
    assert_problem(refused, 403, "forbidden")
    assert (await stored(client, owner, created["id"]))[1] == created

    allowed = await client.delete(item(owner, created["id"]), headers=editor.headers)
    assert allowed.status_code == 204


async def test_deleting_keeps_its_people_without_an_organisation(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    created = await create_organisation(client, owner)
    person_id = ids.new_id("per")
    now = utcnow()
    async with database.transaction() as db:
        await db.execute(
            insert(people).values(
                id=person_id,
                workspace_id=owner.workspace_id,
                given_name=None,
                family_name=None,
                display_name="Sam Okafor",
                emails=[],
                phones=[],
                job_title=None,
                organisation_id=created["id"],
                location=None,
                linkedin_url=None,
                profile_urls=[],
                source=None,
                referred_by_id=None,
                relationship_stage="identified",
                tags=[],
                notes=None,
                may_use_name_as_referral=None,
                open_to_follow_up=None,
                last_contacted_at=None,
                search_text="sam okafor",
                created_at=now,
                updated_at=now,
            )
        )

    response = await client.delete(item(owner, created["id"]), headers=owner.headers)
    assert response.status_code == 204

    row = await database.reader().one(
        select(people.c.id, people.c.organisation_id).where(people.c.id == person_id)
    )
    assert row == {"id": person_id, "organisation_id": None}


async def test_concurrent_creates_of_one_name_keep_exactly_one(
    client: httpx.AsyncClient, owner: Account
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(collection(owner), json={"name": name}, headers=owner.headers)
            for name in ("Acme", "ACME", "acme", "Acme", "aCME")
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "organisation_name_taken")
    assert len(await all_organisations(client, owner)) == 1
