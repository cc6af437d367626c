"""`/v1/workspaces/{id}/members`: list, join by invitation, change role, remove, leave; the last
owner stays."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Account, add_member, assert_problem, signup, unique_email


def members_url(account: Account, member_id: str | None = None) -> str:
    workspace_id = account.extra.get("workspace_id", account.workspace_id)
    base = f"/v1/workspaces/{workspace_id}/members"
    return base if member_id is None else f"{base}/{member_id}"


async def list_members(client: httpx.AsyncClient, owner: Account) -> list[dict[str, Any]]:
    response = await client.get(members_url(owner), headers=owner.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def roles_of(client: httpx.AsyncClient, owner: Account) -> dict[str, str]:
    return {m["user_id"]: m["role"] for m in await list_members(client, owner)}


async def own_member_id(client: httpx.AsyncClient, owner: Account) -> str:
    for member in await list_members(client, owner):
        if member["user_id"] == owner.user_id:
            return str(member["id"])
    raise AssertionError("the owner is not a member")


# --- list and get -------------------------------------------------------------------------------


async def test_owner_sees_themself_as_the_only_member(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get(members_url(owner), headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "list"
    assert body["has_more"] is False
    assert body["next_cursor"] is None
    [me] = body["data"]
    assert me["object"] == "member"
    assert me["id"].startswith("mem_")
    assert me["workspace_id"] == owner.workspace_id
    assert me["user_id"] == owner.user_id
    assert me["email"] == owner.email
    assert me["name"] == "Owner"
    assert me["role"] == "owner"

    single = await client.get(members_url(owner, me["id"]), headers=owner.headers)
    assert single.status_code == 200
    assert single.json() == me
    assert single.headers["etag"]
    cached = await client.get(
        members_url(owner, me["id"]),
        headers={**owner.headers, "If-None-Match": single.headers["etag"]},
    )
    assert cached.status_code == 304
    assert cached.content == b""


async def test_members_list_paginates(client: httpx.AsyncClient, owner: Account) -> None:
    for role in ("editor", "viewer", "viewer", "editor"):
        await add_member(client, owner, role)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    for _ in range(100):  # bounded: a cursor that never ends fails, not hangs
        params = {"limit": "2"} if cursor is None else {"limit": "2", "cursor": cursor}
        response = await client.get(members_url(owner), params=params, headers=owner.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        seen.extend(m["id"] for m in page["data"])
        if not page["has_more"]:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
        cursor = page["next_cursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}])
async def test_members_list_rejects_a_bad_limit(
    client: httpx.AsyncClient, owner: Account, params: dict[str, str]
) -> None:
    response = await client.get(members_url(owner), params=params, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["parameter"] == "limit"


async def test_members_list_rejects_garbage_cursor_and_unknown_params(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get(members_url(owner), params={"cursor": "%%%"}, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "invalid_cursor"
    response = await client.get(members_url(owner), params={"role": "owner"}, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "unknown_parameter"


# --- joining: members are made only by accepting an invitation (issue 18) -----------------------


def invitations_url(account: Account) -> str:
    workspace_id = account.extra.get("workspace_id", account.workspace_id)
    return f"/v1/workspaces/{workspace_id}/invitations"


async def invite(
    client: httpx.AsyncClient, owner: Account, email: str, role: str
) -> httpx.Response:
    return await client.post(
        invitations_url(owner), json={"email": email, "role": role}, headers=owner.headers
    )


async def accept(client: httpx.AsyncClient, invitee: Account, invitation_id: str) -> httpx.Response:
    return await client.post(f"/v1/me/invitations/{invitation_id}/accept", headers=invitee.headers)


async def test_members_are_not_added_directly(client: httpx.AsyncClient, owner: Account) -> None:
    coach = await signup(client, name="Coach")
    response = await client.post(
        members_url(owner), json={"email": coach.email, "role": "editor"}, headers=owner.headers
    )
    assert_problem(response, 405, "method_not_allowed")
    assert coach.user_id not in await roles_of(client, owner)


async def test_an_accepted_invitation_makes_a_member(
    client: httpx.AsyncClient, owner: Account
) -> None:
    coach = await signup(client, name="Coach")
    invited = await invite(client, owner, coach.email, "editor")
    assert invited.status_code == 201, invited.text
    assert coach.user_id not in await roles_of(client, owner)

    response = await accept(client, coach, invited.json()["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["object"] == "member"
    assert body["user_id"] == coach.user_id
    assert body["email"] == coach.email
    assert body["name"] == "Coach"
    assert body["role"] == "editor"
    assert body["workspace_id"] == owner.workspace_id
    assert response.headers["location"] == members_url(owner, body["id"])
    assert response.headers["etag"]

    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]

    # The coach now sees the workspace, with their role.
    me = (await client.get("/v1/me", headers=coach.headers)).json()
    assert {m["workspace_id"]: m["role"] for m in me["memberships"]} == {
        coach.workspace_id: "owner",
        owner.workspace_id: "editor",
    }
    listed = (await client.get("/v1/workspaces", headers=coach.headers)).json()["data"]
    assert {w["id"] for w in listed} == {coach.workspace_id, owner.workspace_id}
    assert (
        await client.get(f"/v1/workspaces/{owner.workspace_id}", headers=coach.headers)
    ).status_code == 200


async def test_an_invitation_by_email_ignores_case(
    client: httpx.AsyncClient, owner: Account
) -> None:
    coach = await signup(client, name="Coach")
    invited = await invite(client, owner, coach.email.upper(), "viewer")
    assert invited.status_code == 201, invited.text
    response = await accept(client, coach, invited.json()["id"])
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == coach.user_id


async def test_an_unknown_email_is_invited_not_added(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await invite(client, owner, unique_email("nobody"), "editor")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert len(await list_members(client, owner)) == 1


async def test_inviting_an_existing_member_is_409(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    response = await invite(client, owner, editor.email, "viewer")
    body = assert_problem(response, 409, "already_member")
    assert body.get("member_id") == editor.extra["member_id"]
    assert await roles_of(client, owner) == {owner.user_id: "owner", editor.user_id: "editor"}

    myself = await invite(client, owner, owner.email, "viewer")
    assert_problem(myself, 409, "already_member")
    assert (await roles_of(client, owner))[owner.user_id] == "owner"


async def test_concurrent_invitations_of_one_email_make_one(client: httpx.AsyncClient) -> None:
    """Racing invitations of one email: one 201, the others the documented 409."""
    for _ in range(3):
        owner = await signup(client, name="Owner")
        coach = await signup(client, name="Coach")
        responses = await asyncio.gather(
            *(invite(client, owner, coach.email, "editor") for _ in range(3))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409, 409], [r.text for r in responses]
        created = next(r.json() for r in responses if r.status_code == 201)
        for response in responses:
            if response.status_code == 409:
                body = assert_problem(response, 409, "already_invited")
                assert body.get("invitation_id", created["id"]) == created["id"]
        assert (await accept(client, coach, created["id"])).status_code == 201
        assert await roles_of(client, owner) == {owner.user_id: "owner", coach.user_id: "editor"}


@pytest.mark.parametrize(
    ("payload", "pointer", "code"),
    [
        ({"email": "x@example.com", "role": "admin"}, "/role", "enum"),
        ({"email": "x@example.com", "role": None}, "/role", "enum"),
        ({"email": "x@example.com"}, "/role", "missing"),
        ({"role": "editor"}, "/email", "missing"),
        ({"email": "not-an-email", "role": "editor"}, "/email", "value_error"),
        (
            {"email": "x@example.com", "role": "editor", "user_id": "usr_1"},
            "/user_id",
            "extra_forbidden",
        ),
    ],
)
async def test_invite_rejects_invalid_bodies(
    client: httpx.AsyncClient,
    owner: Account,
    payload: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    response = await client.post(invitations_url(owner), json=payload, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    found = [(e.get("pointer"), e["code"]) for e in body["errors"]]
    assert any(p == pointer for p, _ in found), found
    if code != "enum":
        assert (pointer, code) in found, found
    assert (await client.get(invitations_url(owner), headers=owner.headers)).json()["data"] == []


async def test_invalid_role_is_rejected_even_for_a_real_user(
    client: httpx.AsyncClient, owner: Account
) -> None:
    coach = await signup(client, name="Coach")
    response = await invite(client, owner, coach.email, "superuser")
    assert_problem(response, 422, "validation_failed")
    assert (await client.get("/v1/me/invitations", headers=coach.headers)).json()["data"] == []


# --- change role --------------------------------------------------------------------------------


async def test_owner_changes_a_role(client: httpx.AsyncClient, owner: Account) -> None:
    editor = await add_member(client, owner, "editor")
    url = members_url(owner, editor.extra["member_id"])
    before = await client.get(url, headers=owner.headers)

    response = await client.patch(url, json={"role": "viewer"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "viewer"
    assert response.json()["user_id"] == editor.user_id
    assert response.headers["etag"] != before.headers["etag"]
    assert (await roles_of(client, owner))[editor.user_id] == "viewer"

    # The member sees their new role at once.
    me = (await client.get("/v1/me", headers=editor.headers)).json()
    roles = {m["workspace_id"]: m["role"] for m in me["memberships"]}
    assert roles[owner.workspace_id] == "viewer"

    same = await client.patch(url, json={"role": "viewer"}, headers=owner.headers)
    assert same.status_code == 200
    assert same.json() == response.json()
    empty = await client.patch(url, json={}, headers=owner.headers)
    assert empty.status_code == 200
    assert empty.json() == response.json()


async def test_change_role_with_a_stale_if_match_is_412(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    url = members_url(owner, editor.extra["member_id"])
    old_etag = (await client.get(url, headers=owner.headers)).headers["etag"]

    first = await client.patch(
        url, json={"role": "viewer"}, headers={**owner.headers, "If-Match": old_etag}
    )
    assert first.status_code == 200, first.text

    lost = await client.patch(
        url, json={"role": "owner"}, headers={**owner.headers, "If-Match": old_etag}
    )
    assert_problem(lost, 412, "precondition_failed")
    assert (await roles_of(client, owner))[editor.user_id] == "viewer"

    ok = await client.patch(
        url, json={"role": "editor"}, headers={**owner.headers, "If-Match": first.headers["etag"]}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["role"] == "editor"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"role": "admin"}, "enum"),
        ({"role": None}, "enum"),
        ({"role": "viewer", "user_id": "usr_x"}, "extra_forbidden"),
        ({"email": "x@example.com"}, "extra_forbidden"),
    ],
)
async def test_change_role_rejects_invalid_bodies(
    client: httpx.AsyncClient, owner: Account, payload: dict[str, Any], code: str
) -> None:
    editor = await add_member(client, owner, "editor")
    url = members_url(owner, editor.extra["member_id"])
    response = await client.patch(url, json=payload, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    if code != "enum":
        assert code in [e["code"] for e in body["errors"]]
    assert (await roles_of(client, owner))[editor.user_id] == "editor"


async def test_change_role_of_an_unknown_member_is_404(
    client: httpx.AsyncClient, owner: Account
) -> None:
    for member_id in ("mem_" + "0" * 32, "mem_nothex", "wsp_" + "0" * 32, "x"):
        response = await client.patch(
            members_url(owner, member_id), json={"role": "viewer"}, headers=owner.headers
        )
        assert_problem(response, 404, "not_found")
        response = await client.get(members_url(owner, member_id), headers=owner.headers)
        assert_problem(response, 404, "not_found")
        response = await client.delete(members_url(owner, member_id), headers=owner.headers)
        assert_problem(response, 404, "not_found")


# --- the last owner -----------------------------------------------------------------------------


async def test_the_last_owner_cannot_demote_or_remove_themself(
    client: httpx.AsyncClient, owner: Account
) -> None:
    mine = await own_member_id(client, owner)
    url = members_url(owner, mine)
    for role in ("editor", "viewer"):
        response = await client.patch(url, json={"role": role}, headers=owner.headers)
        assert_problem(response, 409, "last_owner")
    response = await client.delete(url, headers=owner.headers)
    assert_problem(response, 409, "last_owner")
    assert await roles_of(client, owner) == {owner.user_id: "owner"}

    # Other members around do not change that.
    editor = await add_member(client, owner, "editor")
    response = await client.delete(url, headers=owner.headers)
    assert_problem(response, 409, "last_owner")
    assert await roles_of(client, owner) == {owner.user_id: "owner", editor.user_id: "editor"}


async def test_with_two_owners_one_can_step_down(client: httpx.AsyncClient, owner: Account) -> None:
    second = await add_member(client, owner, "owner")
    mine = await own_member_id(client, owner)

    demoted = await client.patch(
        members_url(owner, mine), json={"role": "editor"}, headers=owner.headers
    )
    assert demoted.status_code == 200, demoted.text
    assert demoted.json()["role"] == "editor"

    # Now `second` is the last owner: they cannot step down, and the editor cannot remove them.
    theirs = second.extra["member_id"]
    response = await client.patch(
        members_url(owner, theirs), json={"role": "viewer"}, headers=second.headers
    )
    assert_problem(response, 409, "last_owner")
    response = await client.delete(members_url(owner, theirs), headers=second.headers)
    assert_problem(response, 409, "last_owner")
    response = await client.delete(members_url(owner, theirs), headers=owner.headers)
    assert_problem(response, 403, "forbidden")
    assert await roles_of(client, owner) == {owner.user_id: "editor", second.user_id: "owner"}


async def test_with_two_owners_one_can_remove_the_other(
    client: httpx.AsyncClient, owner: Account
) -> None:
    second = await add_member(client, owner, "owner")
    response = await client.delete(
        members_url(owner, second.extra["member_id"]), headers=owner.headers
    )
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert await roles_of(client, owner) == {owner.user_id: "owner"}
    gone = await client.get(f"/v1/workspaces/{owner.workspace_id}", headers=second.headers)
    assert_problem(gone, 404, "not_found")


async def test_an_owner_can_leave_when_another_owner_stays(
    client: httpx.AsyncClient, owner: Account
) -> None:
    second = await add_member(client, owner, "owner")
    mine = await own_member_id(client, owner)
    response = await client.delete(members_url(owner, mine), headers=owner.headers)
    assert response.status_code == 204, response.text
    assert_problem(
        await client.get(f"/v1/workspaces/{owner.workspace_id}", headers=owner.headers),
        404,
        "not_found",
    )
    assert await roles_of(client, second) == {second.user_id: "owner"}


# Each race is repeated: the interleaving that matters does not happen every time.
RACES = 6


async def two_owners(client: httpx.AsyncClient) -> tuple[Account, str, Account, str]:
    first = await signup(client, name="Owner")
    second = await add_member(client, first, "owner")
    return first, await own_member_id(client, first), second, second.extra["member_id"]


async def test_two_owners_demoting_themselves_at_once_leave_one_owner(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(RACES):
        first, first_id, second, second_id = await two_owners(client)
        responses = await asyncio.gather(
            client.patch(
                members_url(first, first_id), json={"role": "editor"}, headers=first.headers
            ),
            client.patch(
                members_url(first, second_id), json={"role": "editor"}, headers=second.headers
            ),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        for response in responses:
            if response.status_code == 409:
                assert_problem(response, 409, "last_owner")
        assert sorted((await roles_of(client, first)).values()) == ["editor", "owner"]


async def test_two_owners_leaving_at_once_leave_one_owner(client: httpx.AsyncClient) -> None:
    for _ in range(RACES):
        first, first_id, second, second_id = await two_owners(client)
        responses = await asyncio.gather(
            client.delete(members_url(first, first_id), headers=first.headers),
            client.delete(members_url(first, second_id), headers=second.headers),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [204, 409], [r.text for r in responses]
        for response in responses:
            if response.status_code == 409:
                assert_problem(response, 409, "last_owner")
        survivor = first if responses[0].status_code == 409 else second
        assert list((await roles_of(client, survivor)).values()) == ["owner"]


# --- editors and viewers ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_non_owners_cannot_manage_members(
    client: httpx.AsyncClient, owner: Account, role: str
) -> None:
    member = await add_member(client, owner, role)
    other = await add_member(client, owner, "viewer")
    outsider = await signup(client, name="Outsider")
    before = await list_members(client, owner)

    # They can read the member list and single members.
    listed = await client.get(members_url(owner), headers=member.headers)
    assert listed.status_code == 200
    assert listed.json()["data"] == before
    single = await client.get(members_url(owner, other.extra["member_id"]), headers=member.headers)
    assert single.status_code == 200

    response = await client.post(
        invitations_url(owner),
        json={"email": outsider.email, "role": "viewer"},
        headers=member.headers,
    )
    assert_problem(response, 403, "forbidden")
    response = await client.patch(
        members_url(owner, other.extra["member_id"]), json={"role": "owner"}, headers=member.headers
    )
    assert_problem(response, 403, "forbidden")
    # Nor promote themselves.
    response = await client.patch(
        members_url(owner, member.extra["member_id"]),
        json={"role": "owner"},
        headers=member.headers,
    )
    assert_problem(response, 403, "forbidden")
    response = await client.delete(
        members_url(owner, other.extra["member_id"]), headers=member.headers
    )
    assert_problem(response, 403, "forbidden")
    response = await client.delete(
        members_url(owner, await own_member_id(client, owner)), headers=member.headers
    )
    assert_problem(response, 403, "forbidden")

    assert await list_members(client, owner) == before


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_any_member_can_leave(client: httpx.AsyncClient, owner: Account, role: str) -> None:
    member = await add_member(client, owner, role)
    url = members_url(owner, member.extra["member_id"])

    stale = await client.delete(url, headers={**member.headers, "If-Match": '"stale"'})
    assert_problem(stale, 412, "precondition_failed")
    assert member.user_id in await roles_of(client, owner)

    response = await client.delete(url, headers=member.headers)
    assert response.status_code == 204, response.text
    assert response.content == b""

    assert member.user_id not in await roles_of(client, owner)
    assert_problem(
        await client.get(f"/v1/workspaces/{owner.workspace_id}", headers=member.headers),
        404,
        "not_found",
    )
    assert_problem(await client.get(members_url(owner), headers=member.headers), 404, "not_found")
    listed = (await client.get("/v1/workspaces", headers=member.headers)).json()["data"]
    assert [w["id"] for w in listed] == [member.workspace_id]
    me = (await client.get("/v1/me", headers=member.headers)).json()
    assert [m["workspace_id"] for m in me["memberships"]] == [member.workspace_id]

    # Leaving twice: the membership is gone, and so is access.
    again = await client.delete(url, headers=member.headers)
    assert_problem(again, 404, "not_found")


async def test_removed_members_lose_access_at_once(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    workspace_url = f"/v1/workspaces/{owner.workspace_id}"
    assert (await client.get(workspace_url, headers=editor.headers)).status_code == 200

    url = members_url(owner, editor.extra["member_id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    stale = await client.delete(url, headers={**owner.headers, "If-Match": '"nope"'})
    assert_problem(stale, 412, "precondition_failed")
    assert editor.user_id in await roles_of(client, owner)

    response = await client.delete(url, headers={**owner.headers, "If-Match": etag})
    assert response.status_code == 204, response.text

    # The same access token, straight after: nothing of the workspace answers.
    assert_problem(await client.get(workspace_url, headers=editor.headers), 404, "not_found")
    assert_problem(
        await client.patch(workspace_url, json={"name": "x"}, headers=editor.headers),
        404,
        "not_found",
    )
    assert_problem(await client.get(members_url(owner), headers=editor.headers), 404, "not_found")
    assert_problem(await client.delete(url, headers=editor.headers), 404, "not_found")
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")

    # They can be invited again afterwards, and join by accepting.
    again = await invite(client, owner, editor.email, "viewer")
    assert again.status_code == 201, again.text
    assert (await accept(client, editor, again.json()["id"])).status_code == 201
    assert (await client.get(workspace_url, headers=editor.headers)).status_code == 200


async def test_a_member_of_another_workspace_is_not_found_here(
    client: httpx.AsyncClient, owner: Account
) -> None:
    other = await signup(client, name="Other")
    foreign = await own_member_id(client, other)
    for response in (
        await client.get(members_url(owner, foreign), headers=owner.headers),
        await client.patch(
            members_url(owner, foreign), json={"role": "viewer"}, headers=owner.headers
        ),
        await client.delete(members_url(owner, foreign), headers=owner.headers),
    ):
        assert_problem(response, 404, "not_found")
    assert await roles_of(client, other) == {other.user_id: "owner"}
