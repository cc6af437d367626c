"""Membership is by invitation that the invitee accepts (issue 18, finding 11): nobody is added
to a workspace unasked, each attack replayed over HTTP, and `/v1/me` shows a bounded list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.auth.scopes import KEY_SCOPES
from app.core.db import Database, utcnow
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import (
    Account,
    add_member,
    assert_problem,
    bearer,
    client_for,
    create_api_key,
    signup,
    unique_email,
)

ZERO_INVITATION = "inv_" + "0" * 32


def invitations_url(owner: Account, invitation_id: str | None = None) -> str:
    """In `owner`'s workspace: their own, or the one `add_member` made them a member of."""
    workspace_id = owner.extra.get("workspace_id", owner.workspace_id)
    base = f"/v1/workspaces/{workspace_id}/invitations"
    return base if invitation_id is None else f"{base}/{invitation_id}"


def mine_url(invitation_id: str, action: str) -> str:
    return f"/v1/me/invitations/{invitation_id}/{action}"


async def invite(
    client: httpx.AsyncClient, owner: Account, email: str, role: str = "viewer"
) -> dict[str, Any]:
    response = await client.post(
        invitations_url(owner), json={"email": email, "role": role}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def pending_for(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    response = await client.get("/v1/me/invitations", headers=account.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def owner_view(
    client: httpx.AsyncClient, owner: Account, invitation_id: str
) -> dict[str, Any]:
    response = await client.get(invitations_url(owner, invitation_id), headers=owner.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def member_ids(client: httpx.AsyncClient, owner: Account) -> dict[str, str]:
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}/members", headers=owner.headers
    )
    assert response.status_code == 200, response.text
    return {m["user_id"]: m["role"] for m in response.json()["data"]}


async def workspaces_seen_by(client: httpx.AsyncClient, account: Account) -> dict[str, list[str]]:
    """Every place a user's workspaces show: /v1/me, /v1/me/memberships and /v1/workspaces."""
    me = await client.get("/v1/me", headers=account.headers)
    memberships = await client.get("/v1/me/memberships", headers=account.headers)
    workspaces = await client.get("/v1/workspaces", headers=account.headers)
    for response in (me, memberships, workspaces):
        assert response.status_code == 200, response.text
    return {
        "me": [m["workspace_id"] for m in me.json()["memberships"]],
        "memberships": [m["workspace_id"] for m in memberships.json()["data"]],
        "workspaces": [w["id"] for w in workspaces.json()["data"]],
    }


async def expire(database: Database, invitation_id: str) -> None:
    from app.workspaces.models import invitations

    async with database.transaction() as db:
        await db.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


# --- the attack: adding anyone, unasked -----------------------------------------------------------


async def test_a_strangers_workspace_cannot_add_anyone_unasked(client: httpx.AsyncClient) -> None:
    attacker = await signup(client, name="Attacker")
    victim = await signup(client, name="Victim")
    attacked = f"/v1/workspaces/{attacker.workspace_id}"

    # The old way, adding any registered email at once, is gone.
    added = await client.post(
        f"{attacked}/members",
        json={"email": victim.email, "role": "owner"},
        headers=attacker.headers,
    )
    assert_problem(added, 405, "method_not_allowed")
    # The only way left is an invitation: it waits for the victim's answer.
    invitation = await invite(client, attacker, victim.email, "owner")
    assert invitation["status"] == "pending"

    alone = [victim.workspace_id]
    assert await workspaces_seen_by(client, victim) == {
        "me": alone,
        "memberships": alone,
        "workspaces": alone,
    }
    for path in ("", "/people", "/members"):
        assert_problem(
            await client.get(f"{attacked}{path}", headers=victim.headers), 404, "not_found"
        )
    assert await member_ids(client, attacker) == {attacker.user_id: "owner"}
    # What the victim does see is the pending invitation, to answer or ignore.
    [pending] = await pending_for(client, victim)
    assert pending["id"] == invitation["id"]
    assert pending["workspace_name"] == "Attacker"


async def test_the_invitee_joins_only_by_accepting(
    client: httpx.AsyncClient, owner: Account
) -> None:
    coach = await signup(client, name="Coach")
    invitation = await invite(client, owner, coach.email, "editor")
    workspace = f"/v1/workspaces/{owner.workspace_id}"
    assert_problem(await client.get(workspace, headers=coach.headers), 404, "not_found")

    accepted = await client.post(mine_url(invitation["id"], "accept"), headers=coach.headers)
    assert accepted.status_code == 201, accepted.text
    member = accepted.json()
    assert member["object"] == "member"
    assert member["id"].startswith("mem_")
    assert (member["user_id"], member["role"]) == (coach.user_id, "editor")
    assert accepted.headers["location"] == f"{workspace}/members/{member['id']}"

    assert (await client.get(workspace, headers=coach.headers)).status_code == 200
    assert await member_ids(client, owner) == {owner.user_id: "owner", coach.user_id: "editor"}
    seen = await workspaces_seen_by(client, coach)
    assert seen["me"] == seen["memberships"] == [coach.workspace_id, owner.workspace_id]
    shown = await owner_view(client, owner, invitation["id"])
    assert shown["status"] == "accepted"
    assert shown["accepted_at"] is not None
    assert await pending_for(client, coach) == []
    # Accepting twice is refused, as for any invitation that is not pending.
    again = await client.post(mine_url(invitation["id"], "accept"), headers=coach.headers)
    assert_problem(again, 404, "not_found")


async def test_an_email_without_an_account_accepts_after_signing_up(
    client: httpx.AsyncClient, owner: Account
) -> None:
    email = unique_email("later")
    invitation = await invite(client, owner, email.upper(), "viewer")
    assert invitation["email"].lower() == email
    assert await member_ids(client, owner) == {owner.user_id: "owner"}

    newcomer = await signup(client, email=email, name="Newcomer")
    [pending] = await pending_for(client, newcomer)
    assert pending["id"] == invitation["id"]
    assert pending["workspace_id"] == owner.workspace_id
    assert pending["role"] == "viewer"
    assert pending["invited_by"]["name"] == "Owner"
    assert pending["invited_by"]["email"] == owner.email
    accepted = await client.post(mine_url(invitation["id"], "accept"), headers=newcomer.headers)
    assert accepted.status_code == 201, accepted.text
    assert (await member_ids(client, owner))[newcomer.user_id] == "viewer"


async def test_an_invitation_expires_after_seven_days_by_default(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    assert Settings().invitation_ttl_seconds == 7 * 86_400
    coach = await signup(client, name="Coach")
    invitation = await invite(client, owner, coach.email)
    created = datetime.fromisoformat(invitation["created_at"])
    assert datetime.fromisoformat(invitation["expires_at"]) - created == timedelta(days=7)

    await expire(database, invitation["id"])
    assert await pending_for(client, coach) == []
    for action in ("accept", "decline"):
        refused = await client.post(mine_url(invitation["id"], action), headers=coach.headers)
        assert_problem(refused, 404, "not_found")
    assert (await owner_view(client, owner, invitation["id"]))["status"] == "expired"
    assert coach.user_id not in await member_ids(client, owner)

    # A new invitation replaces the expired one (which is closed, as revoked).
    renewed = await invite(client, owner, coach.email, "editor")
    assert renewed["id"] != invitation["id"]
    assert (await owner_view(client, owner, invitation["id"]))["status"] == "revoked"
    assert [i["id"] for i in await pending_for(client, coach)] == [renewed["id"]]


async def test_declining_is_final_and_idempotent(client: httpx.AsyncClient, owner: Account) -> None:
    coach = await signup(client, name="Coach")
    invitation = await invite(client, owner, coach.email)
    declined = await client.post(mine_url(invitation["id"], "decline"), headers=coach.headers)
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert declined.json()["declined_at"] is not None
    again = await client.post(mine_url(invitation["id"], "decline"), headers=coach.headers)
    assert again.status_code == 200
    assert again.json() == declined.json()

    assert await pending_for(client, coach) == []
    accept = await client.post(mine_url(invitation["id"], "accept"), headers=coach.headers)
    assert_problem(accept, 404, "not_found")
    assert coach.user_id not in await member_ids(client, owner)
    assert (await owner_view(client, owner, invitation["id"]))["status"] == "declined"
    # The owner may ask again.
    assert (await invite(client, owner, coach.email))["status"] == "pending"


async def test_the_owner_revokes_an_invitation(client: httpx.AsyncClient, owner: Account) -> None:
    coach = await signup(client, name="Coach")
    invitation = await invite(client, owner, coach.email)
    revoke_url = f"{invitations_url(owner, invitation['id'])}/revoke"
    revoked = await client.post(revoke_url, headers=owner.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    again = await client.post(revoke_url, headers=owner.headers)
    assert again.status_code == 200
    assert again.json() == revoked.json()

    assert await pending_for(client, coach) == []
    for action in ("accept", "decline"):
        refused = await client.post(mine_url(invitation["id"], action), headers=coach.headers)
        assert_problem(refused, 404, "not_found")
    assert coach.user_id not in await member_ids(client, owner)

    # An accepted invitation is a membership now: the member is removed, not the invitation.
    other = await signup(client, name="Other")
    taken = await invite(client, owner, other.email)
    await client.post(mine_url(taken["id"], "accept"), headers=other.headers)
    late = await client.post(f"{invitations_url(owner, taken['id'])}/revoke", headers=owner.headers)
    assert assert_problem(late, 409, "invitation_not_pending")["invitation_status"] == "accepted"
    assert (await member_ids(client, owner))[other.user_id] == "viewer"


# --- who may invite, and whom ---------------------------------------------------------------------


async def test_members_and_pending_invitees_are_not_invited_twice(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    for email in (editor.email, editor.email.upper(), owner.email):
        response = await client.post(
            invitations_url(owner), json={"email": email, "role": "owner"}, headers=owner.headers
        )
        body = assert_problem(response, 409, "already_member")
        assert body["member_id"].startswith("mem_")

    coach_email = unique_email("coach")
    first = await invite(client, owner, coach_email)
    for email in (coach_email, coach_email.upper()):
        response = await client.post(
            invitations_url(owner), json={"email": email, "role": "owner"}, headers=owner.headers
        )
        assert assert_problem(response, 409, "already_invited")["invitation_id"] == first["id"]
    pending = await client.get(
        invitations_url(owner), params={"status": "pending"}, headers=owner.headers
    )
    assert [(i["id"], i["role"]) for i in pending.json()["data"]] == [(first["id"], "viewer")]


async def test_only_owners_invite_and_revoke_and_never_with_a_key(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    viewer = await add_member(client, owner, "viewer")
    invitation = await invite(client, owner, unique_email("coach"))
    key = await create_api_key(client, owner, sorted(KEY_SCOPES))
    body = {"email": unique_email("friend"), "role": "owner"}
    revoke_url = f"{invitations_url(owner, invitation['id'])}/revoke"

    for account in (editor, viewer):
        created = await client.post(invitations_url(owner), json=body, headers=account.headers)
        assert_problem(created, 403, "forbidden")
        assert_problem(await client.post(revoke_url, headers=account.headers), 403, "forbidden")
        # Members may see who is invited, as they see who is a member.
        listed = await client.get(
            invitations_url(owner), params={"status": "pending"}, headers=account.headers
        )
        assert [i["id"] for i in listed.json()["data"]] == [invitation["id"]]
    for method, url, json in (
        ("POST", invitations_url(owner), body),
        ("POST", revoke_url, None),
        ("GET", "/v1/me/invitations", None),
        ("GET", "/v1/me/memberships", None),
        ("POST", mine_url(invitation["id"], "accept"), None),
        ("POST", mine_url(invitation["id"], "decline"), None),
    ):
        response = await client.request(method, url, json=json, headers=bearer(key["secret"]))
        assert_problem(response, 403, "user_token_required")
    pending = await client.get(
        invitations_url(owner), params={"status": "pending"}, headers=owner.headers
    )
    assert [i["id"] for i in pending.json()["data"]] == [invitation["id"]]


async def test_an_invitation_is_its_invitees_alone(
    client: httpx.AsyncClient, owner: Account
) -> None:
    coach = await signup(client, name="Coach")
    bystander = await signup(client, name="Bystander")
    invitation = await invite(client, owner, coach.email)

    assert await pending_for(client, bystander) == []
    for action in ("accept", "decline"):
        for invitation_id in (invitation["id"], ZERO_INVITATION, "inv_nothex", owner.workspace_id):
            response = await client.post(mine_url(invitation_id, action), headers=bystander.headers)
            assert_problem(response, 404, "not_found")
    # Another workspace's owner cannot reach it through their own workspace either.
    for response in (
        await client.get(invitations_url(bystander, invitation["id"]), headers=bystander.headers),
        await client.post(
            f"{invitations_url(bystander, invitation['id'])}/revoke", headers=bystander.headers
        ),
        await client.get(invitations_url(owner), headers=bystander.headers),
    ):
        assert_problem(response, 404, "not_found")
    assert (await owner_view(client, owner, invitation["id"]))["status"] == "pending"
    assert bystander.user_id not in await member_ids(client, owner)
    assert [i["id"] for i in await pending_for(client, coach)] == [invitation["id"]]


@pytest.mark.parametrize(
    ("payload", "pointer", "code"),
    [
        ({"email": "x@example.com", "role": "admin"}, "/role", "enum"),
        ({"email": "x@example.com"}, "/role", "missing"),
        ({"role": "editor"}, "/email", "missing"),
        ({"email": "not-an-email", "role": "editor"}, "/email", "value_error"),
        ({"email": "x" * 310 + "@example.com", "role": "editor"}, "/email", "value_error"),
        ({"email": "x@example.com", "role": "editor", "invited_by": "usr_1"}, "/invited_by", ""),
    ],
)
async def test_a_bad_invitation_is_refused_and_changes_nothing(
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
    if code:
        assert any(c == code or c.startswith(code) for _, c in found), found
    assert (await client.get(invitations_url(owner), headers=owner.headers)).json()["data"] == []


async def test_pending_invitations_per_workspace_are_capped(
    client: httpx.AsyncClient, owner: Account
) -> None:
    first = await invite(client, owner, unique_email("guest"))
    for _ in range(99):
        await invite(client, owner, unique_email("guest"))
    over = await client.post(
        invitations_url(owner),
        json={"email": unique_email("one-more"), "role": "viewer"},
        headers=owner.headers,
    )
    assert_problem(over, 409, "too_many_invitations")
    await client.post(f"{invitations_url(owner, first['id'])}/revoke", headers=owner.headers)
    assert (await invite(client, owner, unique_email("one-more")))["status"] == "pending"


# --- an owner who is removed or demoted leaves no way back in -----------------------------------


@pytest.mark.parametrize("change", ["remove", "demote"])
async def test_a_removed_or_demoted_owners_invitations_are_revoked(
    client: httpx.AsyncClient, owner: Account, change: str
) -> None:
    co_owner = await add_member(client, owner, "owner")
    accomplice = await signup(client, name="Accomplice")
    invitation = await invite(client, co_owner, accomplice.email, "owner")
    member_url = f"/v1/workspaces/{owner.workspace_id}/members/{co_owner.extra['member_id']}"
    if change == "remove":
        done = await client.delete(member_url, headers=owner.headers)
    else:
        done = await client.patch(member_url, json={"role": "editor"}, headers=owner.headers)
    assert done.is_success, done.text

    assert await pending_for(client, accomplice) == []
    accept = await client.post(mine_url(invitation["id"], "accept"), headers=accomplice.headers)
    assert_problem(accept, 404, "not_found")
    assert accomplice.user_id not in await member_ids(client, owner)
    assert (await owner_view(client, owner, invitation["id"]))["status"] == "revoked"


# --- concurrency and what a process remembers -------------------------------------------------


async def test_concurrent_accepts_of_one_invitation_make_one_membership(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        owner = await signup(client, name="Owner")
        coach = await signup(client, name="Coach")
        invitation = await invite(client, owner, coach.email, "editor")
        responses = await asyncio.gather(
            *(
                client.post(mine_url(invitation["id"], "accept"), headers=coach.headers)
                for _ in range(3)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 404, 404], [r.text for r in responses]
        assert await member_ids(client, owner) == {owner.user_id: "owner", coach.user_id: "editor"}


@pytest.fixture
async def remembering_client() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose caller cache keeps a role, or "not a member", for five minutes."""
    app = create_app(Settings(auth_cache_seconds=300))
    async with app.router.lifespan_context(app), client_for(app) as client:
        yield client


async def test_accepting_takes_effect_at_once_where_not_a_member_was_remembered(
    remembering_client: httpx.AsyncClient,
) -> None:
    client = remembering_client
    owner = await signup(client, name="Owner")
    coach = await signup(client, name="Coach")
    workspace = f"/v1/workspaces/{owner.workspace_id}"
    invitation = await invite(client, owner, coach.email)
    # This process now remembers that the coach is not a member.
    assert_problem(await client.get(workspace, headers=coach.headers), 404, "not_found")

    accepted = await client.post(mine_url(invitation["id"], "accept"), headers=coach.headers)
    assert accepted.status_code == 201, accepted.text
    assert (await client.get(workspace, headers=coach.headers)).status_code == 200


# --- /v1/me shows a bounded list, the rest is paginated ----------------------------------------


async def test_me_shows_the_first_twenty_memberships_and_the_list_pages_through_all(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = [owner.workspace_id]
    for number in range(20):
        response = await client.post(
            "/v1/workspaces", json={"name": f"Search {number}"}, headers=owner.headers
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])

    me = (await client.get("/v1/me", headers=owner.headers)).json()
    assert [m["workspace_id"] for m in me["memberships"]] == created[:20]
    assert me["memberships_has_more"] is True

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10):  # bounded: a cursor that never ends fails, not hangs
        params = {"limit": "8"} if cursor is None else {"limit": "8", "cursor": cursor}
        page = await client.get("/v1/me/memberships", params=params, headers=owner.headers)
        assert page.status_code == 200, page.text
        seen.extend(page.json()["data"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [m["workspace_id"] for m in seen] == created
    assert {(m["object"], m["role"]) for m in seen} == {("membership", "owner")}
    assert seen[1]["workspace_name"] == "Search 0"
    assert all(m["id"].startswith("mem_") for m in seen)

    newcomer = await signup(client, name="Newcomer")
    alone = (await client.get("/v1/me", headers=newcomer.headers)).json()
    assert alone["memberships_has_more"] is False
    assert len(alone["memberships"]) == 1


async def test_the_invitee_list_pages_and_shows_what_to_decide_on(
    client: httpx.AsyncClient, database: Database
) -> None:
    coach = await signup(client, name="Coach")
    owners = [await signup(client, name=f"Seeker {n}") for n in range(3)]
    sent = [await invite(client, seeker, coach.email, "editor") for seeker in owners]

    first = await client.get("/v1/me/invitations", params={"limit": "2"}, headers=coach.headers)
    assert first.status_code == 200, first.text
    assert first.json()["has_more"] is True
    assert 'rel="next"' in first.headers["link"]
    rest = await client.get(
        "/v1/me/invitations",
        params={"limit": "2", "cursor": first.json()["next_cursor"]},
        headers=coach.headers,
    )
    listed = first.json()["data"] + rest.json()["data"]
    assert rest.json()["has_more"] is False
    assert [i["id"] for i in listed] == [i["id"] for i in sent]
    for seeker, shown in zip(owners, listed, strict=True):
        assert shown["object"] == "invitation"
        assert shown["workspace_id"] == seeker.workspace_id
        assert shown["workspace_name"] == shown["invited_by"]["name"]
        assert shown["invited_by"]["email"] == seeker.email
        assert shown["role"] == "editor"
        assert shown["status"] == "pending"
        assert shown["expires_at"].endswith("Z")

    from app.workspaces.models import invitations

    stored = await database.reader().all(
        select(invitations.c.email_key).where(invitations.c.id.in_([i["id"] for i in sent]))
    )
    assert {row["email_key"] for row in stored} == {coach.email.lower()}
