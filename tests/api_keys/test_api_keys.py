"""`/v1/workspaces/{id}/api-keys`: owners issue keys (secret shown once, stored hashed), keys
authenticate with their scopes in their one workspace, and stop at revocation or expiry."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.api_keys.models import api_keys
from app.core.db import Database
from tests.conftest import (
    Account,
    add_member,
    assert_problem,
    bearer,
    create_api_key,
    signup,
)


def keys_url(owner: Account, key_id: str | None = None) -> str:
    base = f"/v1/workspaces/{owner.workspace_id}/api-keys"
    return base if key_id is None else f"{base}/{key_id}"


async def key_row(database: Database, key_id: str) -> dict[str, Any]:
    row = await database.reader().first(select(api_keys).where(api_keys.c.id == key_id))
    assert row is not None
    return row


async def count_keys(database: Database, workspace_id: str) -> int:
    rows = await database.reader().all(
        select(api_keys.c.id).where(api_keys.c.workspace_id == workspace_id)
    )
    return len(rows)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- create, list, get --------------------------------------------------------------------------


async def test_owner_creates_a_key_and_sees_its_secret_once(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(
        keys_url(owner),
        json={
            "name": "Career portal",
            "scopes": ["people:write", "interviews:read", "people:write", "members:read"],
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    key = response.json()
    secret = key["secret"]
    assert secret.startswith("rk_live_")
    assert len(secret) >= 40
    assert key["object"] == "api_key"
    assert key["id"].startswith("key_")
    assert key["workspace_id"] == owner.workspace_id
    assert key["name"] == "Career portal"
    assert key["prefix"] == secret[:12]
    assert key["last_four"] == secret[-4:]
    assert key["scopes"] == ["interviews:read", "members:read", "people:write"]
    assert key["created_by"] == owner.user_id
    assert key["last_used_at"] is None
    assert key["expires_at"] is None
    assert key["revoked_at"] is None
    assert response.headers["location"] == keys_url(owner, key["id"])

    public = {k: v for k, v in key.items() if k != "secret"}
    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == public
    assert "secret" not in fetched.json()
    assert secret not in fetched.text
    assert fetched.headers["etag"]
    cached = await client.get(
        response.headers["location"],
        headers={**owner.headers, "If-None-Match": fetched.headers["etag"]},
    )
    assert cached.status_code == 304

    listed = await client.get(keys_url(owner), headers=owner.headers)
    assert listed.status_code == 200
    assert listed.json()["data"] == [public]
    assert secret not in listed.text


async def test_the_secret_is_stored_only_as_a_hash(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    key = await create_api_key(client, owner, ["people:read"])
    secret = key["secret"]
    row = await key_row(database, key["id"])
    assert row["secret_hash"] != secret
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for column, value in row.items():
        assert secret not in str(value), column
        assert secret[len("rk_live_") :] not in str(value), column


async def test_each_key_has_its_own_secret(client: httpx.AsyncClient, owner: Account) -> None:
    first = await create_api_key(client, owner, ["people:read"])
    second = await create_api_key(client, owner, ["people:read"])
    assert first["secret"] != second["secret"]
    assert first["id"] != second["id"]
    listed = (await client.get(keys_url(owner), headers=owner.headers)).json()
    assert [k["id"] for k in listed["data"]] == [first["id"], second["id"]]


async def test_key_list_paginates(client: httpx.AsyncClient, owner: Account) -> None:
    created = [(await create_api_key(client, owner, ["people:read"]))["id"] for _ in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(100):  # bounded: a cursor that never ends fails, not hangs
        params = {"limit": "2"} if cursor is None else {"limit": "2", "cursor": cursor}
        response = await client.get(keys_url(owner), params=params, headers=owner.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(k["id"] for k in page["data"])
        assert all("secret" not in k for k in page["data"])
        if not page["has_more"]:
            break
        assert 'rel="next"' in response.headers["link"]
        cursor = page["next_cursor"]
    assert seen == created
    bad = await client.get(keys_url(owner), params={"limit": "101"}, headers=owner.headers)
    assert_problem(bad, 422, "validation_failed")
    bad = await client.get(keys_url(owner), params={"cursor": "zz"}, headers=owner.headers)
    assert assert_problem(bad, 422, "validation_failed")["errors"][0]["code"] == "invalid_cursor"
    bad = await client.get(keys_url(owner), params={"scope": "x"}, headers=owner.headers)
    assert assert_problem(bad, 422, "validation_failed")["errors"][0]["code"] == (
        "unknown_parameter"
    )


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"name": "k", "scopes": ["people:admin"]}, "/scopes/0"),
        ({"name": "k", "scopes": ["people:read", "everything"]}, "/scopes/1"),
        ({"name": "k", "scopes": ["stats:write"]}, "/scopes/0"),
        ({"name": "k", "scopes": []}, "/scopes"),
        ({"name": "k", "scopes": "people:read"}, "/scopes"),
        ({"name": "k"}, "/scopes"),
        ({"name": "", "scopes": ["people:read"]}, "/name"),
        ({"name": "x" * 201, "scopes": ["people:read"]}, "/name"),
        ({"scopes": ["people:read"]}, "/name"),
        ({"name": "k", "scopes": ["people:read"], "secret": "rk_live_mine"}, "/secret"),
        ({"name": "k", "scopes": ["people:read"], "workspace_id": "wsp_x"}, "/workspace_id"),
        ({"name": "k", "scopes": ["people:read"], "expires_at": "2999-01-01T00:00:00"}, None),
        ({"name": "k", "scopes": ["people:read"], "expires_at": "soon"}, "/expires_at"),
    ],
)
async def test_create_rejects_invalid_bodies(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    payload: dict[str, Any],
    pointer: str | None,
) -> None:
    response = await client.post(keys_url(owner), json=payload, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    pointers = [e.get("pointer") for e in body["errors"]]
    if pointer is not None:
        assert pointer in pointers, body
    else:  # a naive timestamp
        assert any(p and p.startswith("/expires_at") for p in pointers), body
    assert await count_keys(database, owner.workspace_id) == 0


async def test_expiry_in_the_past_is_422(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    for moment in (datetime.now(UTC) - timedelta(minutes=1), datetime.now(UTC)):
        response = await client.post(
            keys_url(owner),
            json={"name": "late", "scopes": ["people:read"], "expires_at": iso(moment)},
            headers=owner.headers,
        )
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"][0]["pointer"] == "/expires_at"
    assert await count_keys(database, owner.workspace_id) == 0


@pytest.mark.parametrize("expires_at", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
async def test_an_expiry_beyond_the_representable_range_is_422(
    client: httpx.AsyncClient, owner: Account, database: Database, expires_at: str
) -> None:
    """Converting these to UTC leaves the datetime range: a validation error, not a 500."""
    response = await client.post(
        keys_url(owner),
        json={"name": "far", "scopes": ["people:read"], "expires_at": expires_at},
        headers=owner.headers,
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/expires_at"
    assert await count_keys(database, owner.workspace_id) == 0


async def test_expiry_with_an_offset_is_stored_in_utc(
    client: httpx.AsyncClient, owner: Account
) -> None:
    key = await create_api_key(
        client, owner, ["people:read"], expires_at="2199-06-01T12:00:00+02:00"
    )
    assert key["expires_at"] == "2199-06-01T10:00:00Z"
    fetched = (await client.get(keys_url(owner, key["id"]), headers=owner.headers)).json()
    assert fetched["expires_at"] == "2199-06-01T10:00:00Z"


# --- who may manage keys ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_non_owners_cannot_manage_keys(
    client: httpx.AsyncClient, owner: Account, database: Database, role: str
) -> None:
    member = await add_member(client, owner, role)
    key = await create_api_key(client, owner, ["people:read"])
    for method, url, body in (
        ("POST", keys_url(owner), {"name": "mine", "scopes": ["people:read"]}),
        ("GET", keys_url(owner), None),
        ("GET", keys_url(owner, key["id"]), None),
        ("POST", keys_url(owner, key["id"]) + "/revoke", None),
    ):
        response = await client.request(method, url, json=body, headers=member.headers)
        assert_problem(response, 403, "forbidden")
    assert await count_keys(database, owner.workspace_id) == 1
    assert (await key_row(database, key["id"]))["revoked_at"] is None


async def test_an_api_key_cannot_manage_keys(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    key = await create_api_key(
        client, owner, ["workspaces:write", "members:read", "webhooks:write"]
    )
    headers = bearer(key["secret"])
    for method, url, body in (
        ("POST", keys_url(owner), {"name": "child", "scopes": ["people:read"]}),
        ("GET", keys_url(owner), None),
        ("GET", keys_url(owner, key["id"]), None),
        ("POST", keys_url(owner, key["id"]) + "/revoke", None),
    ):
        response = await client.request(method, url, json=body, headers=headers)
        assert_problem(response, 403, "user_token_required")
    assert await count_keys(database, owner.workspace_id) == 1
    assert (await key_row(database, key["id"]))["revoked_at"] is None


async def test_api_keys_are_not_users(client: httpx.AsyncClient, owner: Account) -> None:
    key = await create_api_key(client, owner, ["workspaces:write"])
    assert_problem(
        await client.get("/v1/me", headers=bearer(key["secret"])), 403, "user_token_required"
    )
    response = await client.post(
        "/v1/workspaces", json={"name": "by key"}, headers=bearer(key["secret"])
    )
    assert_problem(response, 403, "user_token_required")


async def test_keys_of_other_workspaces_are_not_found(
    client: httpx.AsyncClient, owner: Account
) -> None:
    other = await signup(client, name="Other")
    theirs = await create_api_key(client, other, ["people:read"])
    for method, suffix in (("GET", ""), ("POST", "/revoke")):
        foreign = await client.request(
            method, keys_url(owner, theirs["id"]) + suffix, headers=owner.headers
        )
        assert_problem(foreign, 404, "not_found")
    for bad_id in ("key_" + "0" * 32, "key_nothex", "wsp_" + "0" * 32, "x"):
        response = await client.get(keys_url(owner, bad_id), headers=owner.headers)
        assert_problem(response, 404, "not_found")
        response = await client.post(keys_url(owner, bad_id) + "/revoke", headers=owner.headers)
        assert_problem(response, 404, "not_found")
    fetched = await client.get(keys_url(other, theirs["id"]), headers=other.headers)
    assert fetched.json()["revoked_at"] is None
    listed = (await client.get(keys_url(owner), headers=owner.headers)).json()
    assert listed["data"] == []


# --- keys authenticate, with their scopes, in their workspace -----------------------------------


async def test_a_key_with_workspaces_read_reads_its_workspace(
    client: httpx.AsyncClient, owner: Account
) -> None:
    # The owner has another workspace: the key must not see it.
    other = await client.post("/v1/workspaces", json={"name": "Second"}, headers=owner.headers)
    other_id = other.json()["id"]
    key = await create_api_key(client, owner, ["workspaces:read"])
    headers = bearer(key["secret"])

    response = await client.get(f"/v1/workspaces/{owner.workspace_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == owner.workspace_id

    listed = await client.get("/v1/workspaces", headers=headers)
    assert listed.status_code == 200, listed.text
    assert [w["id"] for w in listed.json()["data"]] == [owner.workspace_id]
    assert listed.json()["has_more"] is False

    # A key of workspace A used on workspace B (same owner) is a 404, as for a missing one.
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"name": "x"}),
        ("GET", "/members", None),
    ):
        response = await client.request(
            method, f"/v1/workspaces/{other_id}{suffix}", json=body, headers=headers
        )
        assert_problem(response, 404, "not_found")
    got = await client.get(f"/v1/workspaces/{other_id}", headers=owner.headers)
    assert got.json()["name"] == "Second"


async def test_a_key_without_the_scope_is_403_insufficient_scope(
    client: httpx.AsyncClient, owner: Account
) -> None:
    key = await create_api_key(client, owner, ["people:read"])
    headers = bearer(key["secret"])
    base = f"/v1/workspaces/{owner.workspace_id}"
    before = (await client.get(base, headers=owner.headers)).json()

    body = assert_problem(await client.get(base, headers=headers), 403, "insufficient_scope")
    assert body.get("scope") == "workspaces:read"
    assert_problem(
        await client.patch(base, json={"name": "x"}, headers=headers), 403, "insufficient_scope"
    )
    assert_problem(await client.get(f"{base}/members", headers=headers), 403, "insufficient_scope")
    assert (await client.get(base, headers=owner.headers)).json() == before


async def test_listing_workspaces_needs_the_workspaces_read_scope(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """The list shows the same representation GET /v1/workspaces/{id} refuses without the scope."""
    key = await create_api_key(client, owner, ["people:read"])
    response = await client.get("/v1/workspaces", headers=bearer(key["secret"]))
    assert_problem(response, 403, "insufficient_scope")


async def test_read_scope_does_not_allow_writes(client: httpx.AsyncClient, owner: Account) -> None:
    key = await create_api_key(client, owner, ["workspaces:read", "members:read"])
    headers = bearer(key["secret"])
    base = f"/v1/workspaces/{owner.workspace_id}"
    other = await signup(client, name="Other")
    before = (await client.get(base, headers=owner.headers)).json()
    assert_problem(
        await client.patch(base, json={"name": "x"}, headers=headers), 403, "insufficient_scope"
    )
    assert_problem(
        await client.post(
            f"{base}/invitations", json={"email": other.email, "role": "owner"}, headers=headers
        ),
        403,
        "user_token_required",
    )
    assert (await client.get(base, headers=owner.headers)).json() == before
    members = (await client.get(f"{base}/members", headers=owner.headers)).json()["data"]
    assert [m["user_id"] for m in members] == [owner.user_id]


async def test_write_scope_implies_read(client: httpx.AsyncClient, owner: Account) -> None:
    key = await create_api_key(client, owner, ["people:write", "workspaces:write"])
    headers = bearer(key["secret"])
    base = f"/v1/workspaces/{owner.workspace_id}"

    people = await client.get(f"{base}/people", headers=headers)
    assert people.status_code == 200, people.text
    assert (await client.get(base, headers=headers)).status_code == 200

    renamed = await client.patch(base, json={"name": "Via key"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    assert (await client.get(base, headers=owner.headers)).json()["name"] == "Via key"

    # The stored scopes stay as given: the implication is applied when checking.
    fetched = (await client.get(keys_url(owner, key["id"]), headers=owner.headers)).json()
    assert fetched["scopes"] == ["people:write", "workspaces:write"]


async def test_members_read_key_cannot_remove_members(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    key = await create_api_key(client, owner, ["members:read"])
    response = await client.delete(
        f"/v1/workspaces/{owner.workspace_id}/members/{editor.extra['member_id']}",
        headers=bearer(key["secret"]),
    )
    assert response.status_code == 403, response.text
    members = await client.get(
        f"/v1/workspaces/{owner.workspace_id}/members", headers=owner.headers
    )
    assert editor.user_id in [m["user_id"] for m in members.json()["data"]]


async def test_last_used_at_is_set_when_the_key_is_used(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    key = await create_api_key(client, owner, ["workspaces:read"])
    assert (await key_row(database, key["id"]))["last_used_at"] is None
    started = datetime.now(UTC)
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}", headers=bearer(key["secret"])
    )
    assert response.status_code == 200
    fetched = (await client.get(keys_url(owner, key["id"]), headers=owner.headers)).json()
    assert fetched["last_used_at"] is not None
    used = datetime.fromisoformat(fetched["last_used_at"].replace("Z", "+00:00"))
    assert started - timedelta(seconds=5) <= used <= datetime.now(UTC) + timedelta(seconds=5)
    assert (await key_row(database, key["id"]))["last_used_at"] is not None


async def test_a_key_used_without_the_scope_is_still_authenticated(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """A valid key lacking a scope is a 403, never a 401 (it did authenticate)."""
    key = await create_api_key(client, owner, ["stats:read"])
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}/members", headers=bearer(key["secret"])
    )
    assert_problem(response, 403, "insufficient_scope")


# --- revocation and expiry ----------------------------------------------------------------------


async def test_revoked_keys_stop_working_at_once(client: httpx.AsyncClient, owner: Account) -> None:
    key = await create_api_key(client, owner, ["workspaces:read"])
    headers = bearer(key["secret"])
    url = f"/v1/workspaces/{owner.workspace_id}"
    assert (await client.get(url, headers=headers)).status_code == 200

    revoked = await client.post(keys_url(owner, key["id"]) + "/revoke", headers=owner.headers)
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert body["id"] == key["id"]
    assert body["revoked_at"] is not None
    assert "secret" not in body
    assert revoked.headers["etag"]

    again = await client.post(keys_url(owner, key["id"]) + "/revoke", headers=owner.headers)
    assert again.status_code == 200, again.text
    assert again.json()["revoked_at"] == body["revoked_at"]
    assert again.json() == body

    for attempt in (
        await client.get(url, headers=headers),
        await client.get("/v1/workspaces", headers=headers),
    ):
        assert_problem(attempt, 401, "invalid_token")
        assert attempt.headers["www-authenticate"] == "Bearer"

    # It stays listed, as revoked.
    listed = (await client.get(keys_url(owner), headers=owner.headers)).json()["data"]
    assert [(k["id"], k["revoked_at"]) for k in listed] == [(key["id"], body["revoked_at"])]


async def test_revoke_with_if_none_match_is_never_a_304(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """304 answers only GET/HEAD: an action that ran must say so (or, refused, change nothing)."""
    key = await create_api_key(client, owner, ["workspaces:read"])
    response = await client.post(
        keys_url(owner, key["id"]) + "/revoke", headers={**owner.headers, "If-None-Match": "*"}
    )
    assert response.status_code != 304, "revoke answered 304 Not Modified"
    revoked_at = (await key_row(database, key["id"]))["revoked_at"]
    if response.status_code == 412:
        assert revoked_at is None
    else:
        assert response.status_code == 200, response.text
        assert response.json()["revoked_at"] is not None
        assert revoked_at is not None


async def test_revoking_one_key_leaves_the_others_working(
    client: httpx.AsyncClient, owner: Account
) -> None:
    first = await create_api_key(client, owner, ["workspaces:read"])
    second = await create_api_key(client, owner, ["workspaces:read"])
    revoked = await client.post(keys_url(owner, first["id"]) + "/revoke", headers=owner.headers)
    assert revoked.status_code == 200
    url = f"/v1/workspaces/{owner.workspace_id}"
    assert_problem(await client.get(url, headers=bearer(first["secret"])), 401, "invalid_token")
    assert (await client.get(url, headers=bearer(second["secret"]))).status_code == 200


async def test_an_expired_key_is_401(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    expires = datetime.now(UTC) + timedelta(hours=1)
    key = await create_api_key(client, owner, ["workspaces:read"], expires_at=iso(expires))
    headers = bearer(key["secret"])
    url = f"/v1/workspaces/{owner.workspace_id}"
    assert (await client.get(url, headers=headers)).status_code == 200

    async with database.transaction() as db:
        await db.execute(
            update(api_keys)
            .where(api_keys.c.id == key["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = await client.get(url, headers=headers)
    assert_problem(response, 401, "invalid_token")
    assert_problem(await client.get("/v1/workspaces", headers=headers), 401, "invalid_token")


async def test_an_unknown_key_is_401(client: httpx.AsyncClient, owner: Account) -> None:
    key = await create_api_key(client, owner, ["workspaces:read"])
    url = f"/v1/workspaces/{owner.workspace_id}"
    for token in (key["secret"][:-1], key["secret"] + "x", "rk_live_", key["secret"].upper()):
        assert_problem(await client.get(url, headers=bearer(token)), 401, "invalid_token")
    # The real one still works.
    assert (await client.get(url, headers=bearer(key["secret"]))).status_code == 200


async def test_a_key_outlives_its_creators_role_change(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """A key belongs to the workspace, not to the person who made it: it outlives their
    membership changes (the owner demoted to editor) until it is revoked."""
    second = await add_member(client, owner, "owner")
    key = await create_api_key(client, owner, ["workspaces:read"])
    members = (
        await client.get(f"/v1/workspaces/{owner.workspace_id}/members", headers=owner.headers)
    ).json()["data"]
    mine = next(m["id"] for m in members if m["user_id"] == owner.user_id)
    demoted = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/members/{mine}",
        json={"role": "editor"},
        headers=second.headers,
    )
    assert demoted.status_code == 200
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}", headers=bearer(key["secret"])
    )
    assert response.status_code == 200
    # The remaining owner can still see and revoke it.
    revoked = await client.post(keys_url(owner, key["id"]) + "/revoke", headers=second.headers)
    assert revoked.status_code == 200
