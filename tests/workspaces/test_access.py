"""Who may see and do what in a workspace: tenants are isolated, roles limit writes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account, add_member, assert_problem, bearer, signup

MISSING_WORKSPACE = "wsp_" + "0" * 32
ZERO_MEMBER = "mem_" + "0" * 32
ZERO_KEY = "key_" + "0" * 32
ZERO_INVITATION = "inv_" + "0" * 32

# (method, path suffix under /v1/workspaces/{id}, JSON body)
WORKSPACE_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("PATCH", "", {"name": "Taken over"}),
    ("GET", "/members", None),
    ("POST", "/invitations", {"email": "someone@example.com", "role": "owner"}),
    ("GET", f"/members/{ZERO_MEMBER}", None),
    ("PATCH", f"/members/{ZERO_MEMBER}", {"role": "owner"}),
    ("DELETE", f"/members/{ZERO_MEMBER}", None),
    ("GET", "/invitations", None),
    ("GET", f"/invitations/{ZERO_INVITATION}", None),
    ("POST", f"/invitations/{ZERO_INVITATION}/revoke", None),
    ("GET", "/api-keys", None),
    ("POST", "/api-keys", {"name": "exfiltrate", "scopes": ["people:read"]}),
    ("GET", f"/api-keys/{ZERO_KEY}", None),
    ("POST", f"/api-keys/{ZERO_KEY}/revoke", None),
]


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """A problem body without what differs per request (its path and request id)."""
    return {k: v for k, v in body.items() if k not in ("instance", "request_id")}


async def call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
) -> httpx.Response:
    return await client.request(method, url, json=body, headers=headers)


async def snapshot(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    base = f"/v1/workspaces/{owner.workspace_id}"
    workspace = await client.get(base, headers=owner.headers)
    members = await client.get(f"{base}/members", headers=owner.headers)
    keys = await client.get(f"{base}/api-keys", headers=owner.headers)
    invitations = await client.get(f"{base}/invitations", headers=owner.headers)
    return {
        "workspace": workspace.json(),
        "members": members.json(),
        "keys": keys.json(),
        "invitations": invitations.json(),
    }


@pytest.mark.parametrize(("method", "suffix", "body"), WORKSPACE_ROUTES)
async def test_another_users_workspace_answers_as_a_missing_one(
    client: httpx.AsyncClient,
    owner: Account,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    intruder = await signup(client, name="Intruder")
    before = await snapshot(client, owner)

    foreign = await call(
        client, method, f"/v1/workspaces/{owner.workspace_id}{suffix}", body, intruder.headers
    )
    missing = await call(
        client, method, f"/v1/workspaces/{MISSING_WORKSPACE}{suffix}", body, intruder.headers
    )
    foreign_body = assert_problem(foreign, 404, "not_found")
    missing_body = assert_problem(missing, 404, "not_found")
    assert _comparable(foreign_body) == _comparable(missing_body)
    assert "etag" not in foreign.headers

    assert await snapshot(client, owner) == before


async def test_a_foreign_workspace_is_404_even_with_an_invalid_body(
    client: httpx.AsyncClient, owner: Account
) -> None:
    intruder = await signup(client, name="Intruder")
    response = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}", json={"name": ""}, headers=intruder.headers
    )
    assert_problem(response, 404, "not_found")
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/invitations",
        json={"role": "nope"},
        headers=intruder.headers,
    )
    assert_problem(response, 404, "not_found")


async def test_the_owner_of_another_workspace_cannot_reach_in_with_their_own_ids(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """Valid ids of the intruder's own workspace, under the victim's path, are not found."""
    intruder = await signup(client, name="Intruder")
    listed = await client.get(
        f"/v1/workspaces/{intruder.workspace_id}/members", headers=intruder.headers
    )
    intruder_member = listed.json()["data"][0]["id"]
    response = await client.delete(
        f"/v1/workspaces/{owner.workspace_id}/members/{intruder_member}", headers=intruder.headers
    )
    assert_problem(response, 404, "not_found")
    # And the victim's owner, using the intruder's member id under their own workspace: 404.
    response = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/members/{intruder_member}",
        json={"role": "viewer"},
        headers=owner.headers,
    )
    assert_problem(response, 404, "not_found")
    roles = await client.get(
        f"/v1/workspaces/{intruder.workspace_id}/members", headers=intruder.headers
    )
    assert roles.json()["data"][0]["role"] == "owner"


@pytest.mark.parametrize(
    "workspace_id",
    [
        "wsp_nothex",
        "per_0123456789abcdef0123456789abcdef",
        "abc",
        "wsp_0123456789ABCDEF0123456789ABCDEF",
        "wsp_0123456789abcdef0123456789abcde",
        "wsp_0123456789abcdef0123456789abcdef0",
        "wsp_" + "f" * 300,
        "WSP_0123456789abcdef0123456789abcdef",
        "wsp_0123456789abcdef0123456789abcdef ",
        "wsp_%00",
        "%27%20OR%201=1--",
    ],
)
@pytest.mark.parametrize(("method", "suffix", "body"), WORKSPACE_ROUTES[:4])
async def test_a_malformed_workspace_id_is_404(
    client: httpx.AsyncClient,
    owner: Account,
    workspace_id: str,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    response = await call(
        client, method, f"/v1/workspaces/{workspace_id}{suffix}", body, owner.headers
    )
    assert_problem(response, 404, "not_found")


async def test_the_owners_own_workspace_id_with_a_wrong_prefix_is_404(
    client: httpx.AsyncClient, owner: Account
) -> None:
    hex_part = owner.workspace_id.removeprefix("wsp_")
    for prefix in ("per", "mem", "key", "usr"):
        response = await client.get(f"/v1/workspaces/{prefix}_{hex_part}", headers=owner.headers)
        assert_problem(response, 404, "not_found")
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id.upper()}", headers=owner.headers
    )
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(("method", "suffix", "body"), WORKSPACE_ROUTES)
async def test_every_workspace_route_needs_a_credential(
    client: httpx.AsyncClient,
    owner: Account,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}{suffix}"
    response = await call(client, method, url, body, {})
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    for header in ({"Authorization": "Basic Zm9vOmJhcg=="}, {"Authorization": "Bearer "}):
        response = await call(client, method, url, body, header)
        assert_problem(response, 401, "unauthenticated")
    for token in ("garbage", owner.access_token + "x", "rk_live_notakey"):
        response = await call(client, method, url, body, bearer(token))
        assert_problem(response, 401, "invalid_token")


async def test_viewer_reads_but_cannot_write(client: httpx.AsyncClient, owner: Account) -> None:
    viewer = await add_member(client, owner, "viewer")
    outsider = await signup(client, name="Outsider")
    base = f"/v1/workspaces/{owner.workspace_id}"
    before = await snapshot(client, owner)

    assert (await client.get(base, headers=viewer.headers)).json() == before["workspace"]
    assert (await client.get(f"{base}/members", headers=viewer.headers)).json() == before["members"]
    own = await client.get(f"{base}/members/{viewer.extra['member_id']}", headers=viewer.headers)
    assert own.status_code == 200
    assert own.json()["role"] == "viewer"
    listed = (await client.get("/v1/workspaces", headers=viewer.headers)).json()["data"]
    assert {w["id"] for w in listed} == {viewer.workspace_id, owner.workspace_id}

    owner_member = next(m for m in before["members"]["data"] if m["user_id"] == owner.user_id)
    writes = [
        ("PATCH", "", {"name": "Viewer was here"}),
        ("POST", "/invitations", {"email": outsider.email, "role": "viewer"}),
        ("PATCH", f"/members/{viewer.extra['member_id']}", {"role": "owner"}),
        ("PATCH", f"/members/{owner_member['id']}", {"role": "viewer"}),
        ("DELETE", f"/members/{owner_member['id']}", None),
        ("GET", "/api-keys", None),
        ("POST", "/api-keys", {"name": "mine", "scopes": ["people:read"]}),
    ]
    for method, suffix, body in writes:
        response = await call(client, method, f"{base}{suffix}", body, viewer.headers)
        assert_problem(response, 403, "forbidden")
    assert await snapshot(client, owner) == before


async def test_editor_cannot_manage_the_workspace_members_or_keys(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    viewer = await add_member(client, owner, "viewer")
    outsider = await signup(client, name="Outsider")
    base = f"/v1/workspaces/{owner.workspace_id}"
    created = await client.post(
        f"{base}/api-keys",
        json={"name": "owner's", "scopes": ["people:read"]},
        headers=owner.headers,
    )
    key_id = created.json()["id"]
    before = await snapshot(client, owner)

    assert (await client.get(base, headers=editor.headers)).status_code == 200
    assert (await client.get(f"{base}/members", headers=editor.headers)).status_code == 200

    writes = [
        ("PATCH", "", {"name": "Editor was here"}),
        ("POST", "/invitations", {"email": outsider.email, "role": "editor"}),
        ("PATCH", f"/members/{viewer.extra['member_id']}", {"role": "editor"}),
        ("PATCH", f"/members/{editor.extra['member_id']}", {"role": "owner"}),
        ("DELETE", f"/members/{viewer.extra['member_id']}", None),
        ("GET", "/api-keys", None),
        ("POST", "/api-keys", {"name": "mine", "scopes": ["people:read"]}),
        ("GET", f"/api-keys/{key_id}", None),
        ("POST", f"/api-keys/{key_id}/revoke", None),
    ]
    for method, suffix, body in writes:
        response = await call(client, method, f"{base}{suffix}", body, editor.headers)
        assert_problem(response, 403, "forbidden")
    assert await snapshot(client, owner) == before


async def test_access_follows_role_changes_at_once(
    client: httpx.AsyncClient, owner: Account
) -> None:
    member = await add_member(client, owner, "viewer")
    base = f"/v1/workspaces/{owner.workspace_id}"
    assert_problem(
        await client.patch(base, json={"name": "Nope"}, headers=member.headers), 403, "forbidden"
    )
    promoted = await client.patch(
        f"{base}/members/{member.extra['member_id']}", json={"role": "owner"}, headers=owner.headers
    )
    assert promoted.status_code == 200, promoted.text
    renamed = await client.patch(base, json={"name": "Co-owned"}, headers=member.headers)
    assert renamed.status_code == 200, renamed.text

    demoted = await client.patch(
        f"{base}/members/{member.extra['member_id']}",
        json={"role": "viewer"},
        headers=owner.headers,
    )
    assert demoted.status_code == 200, demoted.text
    assert_problem(
        await client.patch(base, json={"name": "Again"}, headers=member.headers), 403, "forbidden"
    )
    assert (await client.get(base, headers=owner.headers)).json()["name"] == "Co-owned"
