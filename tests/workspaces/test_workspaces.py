"""`/v1/workspaces`: create, list (only the caller's, cursor-paginated), get, rename."""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import (
    Account,
    add_member,
    assert_problem,
    bearer,
    create_api_key,
    signup,
)

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def forged_cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


# --- create -------------------------------------------------------------------------------------


async def test_create_workspace_makes_the_caller_its_owner(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(
        "/v1/workspaces", json={"name": "Coaching 2026"}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["object"] == "workspace"
    assert body["name"] == "Coaching 2026"
    assert body["id"].startswith("wsp_")
    assert RFC3339_UTC.match(body["created_at"]), body
    assert RFC3339_UTC.match(body["updated_at"]), body
    assert response.headers["location"] == f"/v1/workspaces/{body['id']}"
    assert response.headers["etag"].startswith('"')

    # The Location answers with the same representation and ETag.
    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]

    me = (await client.get("/v1/me", headers=owner.headers)).json()
    roles = {m["workspace_id"]: m["role"] for m in me["memberships"]}
    assert roles == {owner.workspace_id: "owner", body["id"]: "owner"}

    members = await client.get(f"/v1/workspaces/{body['id']}/members", headers=owner.headers)
    assert [(m["user_id"], m["role"]) for m in members.json()["data"]] == [(owner.user_id, "owner")]


@pytest.mark.parametrize(
    ("payload", "pointer", "code"),
    [
        ({}, "/name", "missing"),
        ({"name": ""}, "/name", "string_too_short"),
        ({"name": None}, "/name", "string_type"),
        ({"name": "x" * 201}, "/name", "string_too_long"),
        ({"name": "ok", "owner_id": "usr_x"}, "/owner_id", "extra_forbidden"),
    ],
)
async def test_create_workspace_rejects_invalid_bodies(
    client: httpx.AsyncClient, owner: Account, payload: dict[str, Any], pointer: str, code: str
) -> None:
    response = await client.post("/v1/workspaces", json=payload, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert {"pointer": pointer, "code": code} in [
        {"pointer": e.get("pointer"), "code": e["code"]} for e in body["errors"]
    ]
    listed = await client.get("/v1/workspaces", headers=owner.headers)
    assert [w["id"] for w in listed.json()["data"]] == [owner.workspace_id]


async def test_create_workspace_needs_a_credential(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/workspaces", json={"name": "x"})
    assert_problem(response, 401, "unauthenticated")
    response = await client.post(
        "/v1/workspaces", json={"name": "x"}, headers=bearer("not-a-token")
    )
    assert_problem(response, 401, "invalid_token")


async def test_api_keys_cannot_create_workspaces(client: httpx.AsyncClient, owner: Account) -> None:
    key = await create_api_key(client, owner, ["workspaces:write"])
    response = await client.post(
        "/v1/workspaces", json={"name": "by key"}, headers=bearer(key["secret"])
    )
    assert_problem(response, 403, "user_token_required")
    listed = await client.get("/v1/workspaces", headers=owner.headers)
    assert [w["id"] for w in listed.json()["data"]] == [owner.workspace_id]


# --- list ---------------------------------------------------------------------------------------


async def test_list_shows_only_the_callers_workspaces(
    client: httpx.AsyncClient, owner: Account
) -> None:
    other = await signup(client, name="Other")
    created = await client.post("/v1/workspaces", json={"name": "Mine"}, headers=owner.headers)
    mine = {owner.workspace_id, created.json()["id"]}

    response = await client.get("/v1/workspaces", headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "list"
    assert body["has_more"] is False
    assert body["next_cursor"] is None
    assert "link" not in response.headers
    assert {w["id"] for w in body["data"]} == mine
    assert all(w["object"] == "workspace" for w in body["data"])

    theirs = (await client.get("/v1/workspaces", headers=other.headers)).json()
    assert [w["id"] for w in theirs["data"]] == [other.workspace_id]


async def test_list_needs_a_credential(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/workspaces"), 401, "unauthenticated")


async def test_list_walks_every_page_with_the_cursor(client: httpx.AsyncClient) -> None:
    walker = await signup(client, name="Walker")
    created = {walker.workspace_id}
    for i in range(25):
        response = await client.post(
            "/v1/workspaces", json={"name": f"W{i:02}"}, headers=walker.headers
        )
        assert response.status_code == 201, response.text
        created.add(response.json()["id"])
    assert len(created) == 26

    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    via_link: dict[str, Any] | None = None
    for _ in range(10):
        params = {"limit": "10"} if cursor is None else {"limit": "10", "cursor": cursor}
        response = await client.get("/v1/workspaces", params=params, headers=walker.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        if via_link is not None:
            assert page == via_link  # the Link header leads to the same page as the cursor
        sizes.append(len(page["data"]))
        seen.extend(w["id"] for w in page["data"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            assert "link" not in response.headers
            break
        cursor = page["next_cursor"]
        assert isinstance(cursor, str)
        assert cursor
        link = response.headers["link"]
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match, link
        next_url = httpx.URL(match.group(1))
        assert next_url.path == "/v1/workspaces"
        assert next_url.params["cursor"] == cursor
        assert next_url.params["limit"] == "10"
        followed = await client.get(str(next_url), headers=walker.headers)
        assert followed.status_code == 200, followed.text
        via_link = followed.json()
    else:
        pytest.fail("pagination never ended")

    assert sizes == [10, 10, 6]
    assert len(seen) == len(set(seen)) == 26
    assert set(seen) == created
    assert seen == sorted(seen)


async def test_list_default_limit_is_20(client: httpx.AsyncClient) -> None:
    user = await signup(client, name="Many")
    for i in range(20):
        response = await client.post("/v1/workspaces", json={"name": f"D{i}"}, headers=user.headers)
        assert response.status_code == 201
    page = (await client.get("/v1/workspaces", headers=user.headers)).json()
    assert len(page["data"]) == 20
    assert page["has_more"] is True
    rest = (
        await client.get(
            "/v1/workspaces", params={"cursor": page["next_cursor"]}, headers=user.headers
        )
    ).json()
    assert len(rest["data"]) == 1
    assert rest["has_more"] is False


async def test_list_limit_of_100_is_accepted(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.get("/v1/workspaces?limit=100", headers=owner.headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", ""])
async def test_list_rejects_a_bad_limit(
    client: httpx.AsyncClient, owner: Account, limit: str
) -> None:
    response = await client.get("/v1/workspaces", params={"limit": limit}, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert "limit" in [e.get("parameter") for e in body["errors"]], body


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "a",
        "é",
        forged_cursor(["not", "a", "dict"]),
        forged_cursor({"s": "-created_at", "v": ["x"]}),
        forged_cursor({"s": "id", "v": []}),
        forged_cursor({"s": "id", "v": ["a", "b"]}),
        forged_cursor({"s": "id", "v": [None]}),
        forged_cursor({"s": "id", "v": [{"a": 1}]}),
    ],
)
async def test_list_rejects_an_invalid_cursor(
    client: httpx.AsyncClient, owner: Account, cursor: str
) -> None:
    response = await client.get("/v1/workspaces", params={"cursor": cursor}, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "invalid_cursor"
    assert body["errors"][0]["parameter"] == "cursor"


@pytest.mark.parametrize(
    "values",
    [[123], [1.5], [True], ["wsp_\u0000"]],
    ids=["int", "float", "bool", "nul-char"],
)
async def test_a_forged_cursor_of_the_right_shape_is_never_a_500(
    client: httpx.AsyncClient, owner: Account, values: list[Any]
) -> None:
    """A cursor is opaque but client-supplied: whatever it decodes to must not crash the query."""
    cursor = forged_cursor({"s": "id", "v": values})
    response = await client.get("/v1/workspaces", params={"cursor": cursor}, headers=owner.headers)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"][0]["code"] == "invalid_cursor"


async def test_list_rejects_an_unknown_query_parameter(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get("/v1/workspaces?foo=1", headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert {"parameter": "foo", "code": "unknown_parameter"} in [
        {"parameter": e.get("parameter"), "code": e["code"]} for e in body["errors"]
    ]


async def test_item_routes_reject_unknown_query_parameters(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}?limit=5", headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "unknown_parameter"
    assert body["errors"][0]["parameter"] == "limit"


# --- get, ETags, rename -------------------------------------------------------------------------


async def test_get_workspace_has_an_etag_and_honours_if_none_match(
    client: httpx.AsyncClient, owner: Account
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    response = await client.get(url, headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == owner.workspace_id
    assert body["object"] == "workspace"
    etag = response.headers["etag"]
    assert re.fullmatch(r'"[^"]+"', etag), etag  # strong

    again = await client.get(url, headers=owner.headers)
    assert again.headers["etag"] == etag

    cached = await client.get(url, headers={**owner.headers, "If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag

    listed = await client.get(url, headers={**owner.headers, "If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304

    stale = await client.get(url, headers={**owner.headers, "If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.json() == body


async def test_rename_workspace_changes_the_etag(client: httpx.AsyncClient, owner: Account) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    before = await client.get(url, headers=owner.headers)
    old_etag = before.headers["etag"]

    response = await client.patch(url, json={"name": "Renamed"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["id"] == owner.workspace_id
    assert body["created_at"] == before.json()["created_at"]
    assert body["updated_at"] >= before.json()["updated_at"]
    new_etag = response.headers["etag"]
    assert new_etag != old_etag

    fetched = await client.get(url, headers=owner.headers)
    assert fetched.json() == body
    assert fetched.headers["etag"] == new_etag
    # The old ETag is no longer fresh.
    stale = await client.get(url, headers={**owner.headers, "If-None-Match": old_etag})
    assert stale.status_code == 200

    me = (await client.get("/v1/me", headers=owner.headers)).json()
    names = {m["workspace_id"]: m["workspace_name"] for m in me["memberships"]}
    assert names[owner.workspace_id] == "Renamed"


async def test_empty_merge_patch_changes_nothing(client: httpx.AsyncClient, owner: Account) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    before = await client.get(url, headers=owner.headers)
    response = await client.patch(url, json={}, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json() == before.json()
    assert response.headers["etag"] == before.headers["etag"]


async def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    old_etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    first = await client.patch(
        url, json={"name": "First"}, headers={**owner.headers, "If-Match": old_etag}
    )
    assert first.status_code == 200, first.text
    current_etag = first.headers["etag"]

    lost = await client.patch(
        url, json={"name": "Second"}, headers={**owner.headers, "If-Match": old_etag}
    )
    assert_problem(lost, 412, "precondition_failed")
    after = await client.get(url, headers=owner.headers)
    assert after.json()["name"] == "First"
    assert after.headers["etag"] == current_etag

    # A weak tag never matches If-Match (strong comparison).
    weak = await client.patch(
        url, json={"name": "Weak"}, headers={**owner.headers, "If-Match": f"W/{current_etag}"}
    )
    assert_problem(weak, 412, "precondition_failed")

    ok = await client.patch(
        url, json={"name": "Second"}, headers={**owner.headers, "If-Match": current_etag}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "Second"

    star = await client.patch(
        url, json={"name": "Third"}, headers={**owner.headers, "If-Match": "*"}
    )
    assert star.status_code == 200, star.text
    assert star.json()["name"] == "Third"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"name": None}, "string_type"),
        ({"name": ""}, "string_too_short"),
        ({"name": "x" * 201}, "string_too_long"),
        ({"name": 5}, "string_type"),
        ({"colour": "red"}, "extra_forbidden"),
        ({"name": "ok", "id": "wsp_0"}, "extra_forbidden"),
    ],
)
async def test_invalid_patches_are_422_and_change_nothing(
    client: httpx.AsyncClient, owner: Account, payload: dict[str, Any], code: str
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    before = await client.get(url, headers=owner.headers)
    response = await client.patch(url, json=payload, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert code in [e["code"] for e in body["errors"]], body
    assert all(e["pointer"].startswith("/") for e in body["errors"])
    after = await client.get(url, headers=owner.headers)
    assert after.json() == before.json()


async def test_patch_with_a_non_object_body_is_rejected(
    client: httpx.AsyncClient, owner: Account
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    before = await client.get(url, headers=owner.headers)
    response = await client.patch(url, json=["name"], headers=owner.headers)
    assert_problem(response, 422, "validation_failed")
    broken = await client.patch(
        url,
        content=b'{"name": ',
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert_problem(broken, 400, "malformed_json")
    assert (await client.get(url, headers=owner.headers)).json() == before.json()


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_only_owners_can_rename(client: httpx.AsyncClient, owner: Account, role: str) -> None:
    member = await add_member(client, owner, role)
    url = f"/v1/workspaces/{owner.workspace_id}"
    before = await client.get(url, headers=owner.headers)

    readable = await client.get(url, headers=member.headers)
    assert readable.status_code == 200
    assert readable.json() == before.json()

    response = await client.patch(url, json={"name": "Hijacked"}, headers=member.headers)
    assert_problem(response, 403, "forbidden")
    after = await client.get(url, headers=owner.headers)
    assert after.json() == before.json()


async def test_concurrent_renames_each_apply_whole(
    client: httpx.AsyncClient, owner: Account
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    responses = await asyncio.gather(
        *(client.patch(url, json={"name": f"N{i}"}, headers=owner.headers) for i in range(5))
    )
    assert [r.status_code for r in responses] == [200] * 5
    final = (await client.get(url, headers=owner.headers)).json()["name"]
    assert final in {f"N{i}" for i in range(5)}


async def test_patch_with_if_none_match_is_never_a_304(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """A 304 only answers GET/HEAD (RFC 9110 §13.1.2). A PATCH carrying `If-None-Match: *` is
    either refused with 412 and nothing changes, or applied and answered with the new object;
    an empty 304 after the change was written leaves the client unable to tell what happened."""
    url = f"/v1/workspaces/{owner.workspace_id}"
    response = await client.patch(
        url, json={"name": "Starred"}, headers={**owner.headers, "If-None-Match": "*"}
    )
    assert response.status_code != 304, "PATCH answered 304 Not Modified"
    name = (await client.get(url, headers=owner.headers)).json()["name"]
    if response.status_code == 412:
        assert_problem(response, 412, "precondition_failed")
        assert name == "Owner"
    else:
        assert response.status_code == 200, response.text
        assert response.json()["name"] == name == "Starred"


async def test_a_nul_character_in_a_name_is_never_a_500(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """PostgreSQL text cannot hold U+0000: such input must be refused with a 422 (or, where the
    database can keep it, stored faithfully), never crash the request."""
    response = await client.post("/v1/workspaces", json={"name": "a\u0000b"}, headers=owner.headers)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        assert response.json()["name"] == "a\u0000b"
    else:
        assert_problem(response, 422, "validation_failed")
    url = f"/v1/workspaces/{owner.workspace_id}"
    response = await client.patch(url, json={"name": "\u0000"}, headers=owner.headers)
    assert response.status_code in (200, 422), response.text
