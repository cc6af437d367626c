"""An authorisation matrix generated from the route table: every secured operation is called
with no credential, a bad one, an expired token, a revoked key, from the wrong workspace, with
too weak a role and with too narrow a scope; each must be refused the documented way."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from app.auth.scopes import ROLE_SCOPES, Role
from app.core import ids
from app.core.security import ACCESS_TOKEN_AUDIENCE
from tests.conftest import Account, add_member, assert_problem, bearer, create_api_key, signup


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scopes: tuple[str, ...]
    api_keys_allowed: bool
    has_body: bool

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def secured_operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            schemes = {name: scopes for r in op.get("security", ()) for name, scopes in r.items()}
            if "UserToken" not in schemes:
                continue  # public, or /metrics (the operator's token: tests/core/test_metrics.py)
            found.append(
                Operation(
                    method,
                    path,
                    tuple(schemes["UserToken"]),
                    "ApiKey" in schemes,
                    "requestBody" in op,
                )
            )
    return found


@dataclass
class World:
    owner: Account
    editor: Account
    viewer: Account
    stranger: Account
    key_id: str
    owner_member_id: str
    revoked_key: str
    narrow_key: str
    foreign_key: str


@pytest.fixture
async def world(client: httpx.AsyncClient, owner: Account) -> World:
    editor = await add_member(client, owner, "editor")
    viewer = await add_member(client, owner, "viewer")
    stranger = await signup(client, name="Stranger")
    members = (
        await client.get(f"/v1/workspaces/{owner.workspace_id}/members", headers=owner.headers)
    ).json()["data"]
    owner_member_id = next(m["id"] for m in members if m["user_id"] == owner.user_id)
    key = await create_api_key(client, owner, ["members:read"])
    revoked = await create_api_key(client, owner, ["workspaces:write", "members:read"])
    await client.post(
        f"/v1/workspaces/{owner.workspace_id}/api-keys/{revoked['id']}/revoke",
        headers=owner.headers,
    )
    # A scope no route uses yet (webhooks arrive later): every scoped route must refuse it.
    narrow = await create_api_key(client, owner, ["webhooks:read"])
    every = ["workspaces:write", "members:read", "people:write"]
    foreign = await create_api_key(client, stranger, every)
    return World(
        owner,
        editor,
        viewer,
        stranger,
        key["id"],
        owner_member_id,
        revoked["secret"],
        narrow["secret"],
        foreign["secret"],
    )


# Other path ids are filled with well-formed ids of nothing: authorisation is decided before
# any record is looked up, so the refusals below must not depend on one existing.
PLACEHOLDER_PREFIXES = {
    "person_id": "per",
    "organisation_id": "org",
    "bank_id": "qbk",
    "question_id": "qst",
    "interview_id": "int",
    "item_id": "agi",
    "outreach_id": "out",
    "template_id": "tpl",
    "follow_up_id": "fup",
    "lead_id": "led",
    "referral_id": "ref",
    "invitation_id": "inv",
}


def _url(op: Operation, world: World) -> str:
    placeholders = {name: ids.new_id(prefix) for name, prefix in PLACEHOLDER_PREFIXES.items()}
    return op.path.format(
        workspace_id=world.owner.workspace_id,
        member_id=world.owner_member_id,
        key_id=world.key_id,
        **placeholders,
    )


def _names_a_record(op: Operation) -> bool:
    return any("{" + name + "}" in op.path for name in PLACEHOLDER_PREFIXES)


async def _call(
    client: httpx.AsyncClient, op: Operation, world: World, headers: dict[str, str]
) -> httpx.Response:
    body = {"json": {}} if op.has_body else {}
    return await client.request(op.method, _url(op, world), headers=headers, **body)


def _expired_token(app: Any, user_id: str) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "aud": ACCESS_TOKEN_AUDIENCE, "iat": now - 120, "exp": now - 60}
    return jwt.encode(claims, app.state.signing_key, algorithm="HS256")


# What each operation requires, as docs/api.md states it: a change here is a contract change.
# (scope, or "" for none; "users" marks routes API keys may not use)
EXPECTED = {
    "get /v1/me": ("", "users"),
    "post /v1/me/password": ("", "users"),
    "post /v1/me/sign-out-everywhere": ("", "users"),
    "get /v1/me/memberships": ("", "users"),
    "get /v1/me/invitations": ("", "users"),
    "post /v1/me/invitations/{invitation_id}/accept": ("", "users"),
    "post /v1/me/invitations/{invitation_id}/decline": ("", "users"),
    "get /v1/workspaces": ("workspaces:read", ""),
    "post /v1/workspaces": ("", "users"),
    "get /v1/workspaces/{workspace_id}": ("workspaces:read", ""),
    "patch /v1/workspaces/{workspace_id}": ("workspaces:write", ""),
    "get /v1/workspaces/{workspace_id}/members": ("members:read", ""),
    "get /v1/workspaces/{workspace_id}/members/{member_id}": ("members:read", ""),
    "patch /v1/workspaces/{workspace_id}/members/{member_id}": ("members:write", "users"),
    "delete /v1/workspaces/{workspace_id}/members/{member_id}": ("members:read", "users"),
    "get /v1/workspaces/{workspace_id}/invitations": ("members:read", ""),
    "post /v1/workspaces/{workspace_id}/invitations": ("members:write", "users"),
    "get /v1/workspaces/{workspace_id}/invitations/{invitation_id}": ("members:read", ""),
    "post /v1/workspaces/{workspace_id}/invitations/{invitation_id}/revoke": (
        "members:write",
        "users",
    ),
    "get /v1/workspaces/{workspace_id}/api-keys": ("workspaces:write", "users"),
    "post /v1/workspaces/{workspace_id}/api-keys": ("workspaces:write", "users"),
    "get /v1/workspaces/{workspace_id}/api-keys/{key_id}": ("workspaces:write", "users"),
    "post /v1/workspaces/{workspace_id}/api-keys/{key_id}/revoke": ("workspaces:write", "users"),
    "get /v1/workspaces/{workspace_id}/people": ("people:read", ""),
    "post /v1/workspaces/{workspace_id}/people": ("people:write", ""),
    "get /v1/workspaces/{workspace_id}/people/{person_id}": ("people:read", ""),
    "patch /v1/workspaces/{workspace_id}/people/{person_id}": ("people:write", ""),
    "delete /v1/workspaces/{workspace_id}/people/{person_id}": ("people:write", ""),
    "get /v1/workspaces/{workspace_id}/organisations/{organisation_id}/people": ("people:read", ""),
    "get /v1/workspaces/{workspace_id}/organisations": ("organisations:read", ""),
    "post /v1/workspaces/{workspace_id}/organisations": ("organisations:write", ""),
    "get /v1/workspaces/{workspace_id}/organisations/{organisation_id}": ("organisations:read", ""),
    "patch /v1/workspaces/{workspace_id}/organisations/{organisation_id}": (
        "organisations:write",
        "",
    ),
    "delete /v1/workspaces/{workspace_id}/organisations/{organisation_id}": (
        "organisations:write",
        "",
    ),
    "get /v1/question-banks/builtin": ("", ""),
    "get /v1/workspaces/{workspace_id}/question-banks": ("questions:read", ""),
    "post /v1/workspaces/{workspace_id}/question-banks": ("questions:write", ""),
    "get /v1/workspaces/{workspace_id}/question-banks/{bank_id}": ("questions:read", ""),
    "patch /v1/workspaces/{workspace_id}/question-banks/{bank_id}": ("questions:write", ""),
    "delete /v1/workspaces/{workspace_id}/question-banks/{bank_id}": ("questions:write", ""),
    "post /v1/workspaces/{workspace_id}/question-banks/{bank_id}/copy": ("questions:write", ""),
    "get /v1/workspaces/{workspace_id}/question-banks/{bank_id}/questions": ("questions:read", ""),
    "post /v1/workspaces/{workspace_id}/question-banks/{bank_id}/questions": (
        "questions:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/question-banks/{bank_id}/questions/reorder": (
        "questions:write",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/question-banks/{bank_id}/questions/{question_id}": (
        "questions:read",
        "",
    ),
    "patch /v1/workspaces/{workspace_id}/question-banks/{bank_id}/questions/{question_id}": (
        "questions:write",
        "",
    ),
    "delete /v1/workspaces/{workspace_id}/question-banks/{bank_id}/questions/{question_id}": (
        "questions:write",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/interviews": ("interviews:read", ""),
    "post /v1/workspaces/{workspace_id}/interviews": ("interviews:write", ""),
    "get /v1/workspaces/{workspace_id}/interviews/{interview_id}": ("interviews:read", ""),
    "patch /v1/workspaces/{workspace_id}/interviews/{interview_id}": ("interviews:write", ""),
    "delete /v1/workspaces/{workspace_id}/interviews/{interview_id}": ("interviews:write", ""),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/request": (
        "interviews:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/schedule": (
        "interviews:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/reschedule": (
        "interviews:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/complete": (
        "interviews:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/cancel": ("interviews:write", ""),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/decline": (
        "interviews:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/no-show": (
        "interviews:write",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda": ("interviews:read", ""),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda": ("interviews:write", ""),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda/from-bank": (
        "interviews:write,questions:read",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda/reorder": (
        "interviews:write",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda/{item_id}": (
        "interviews:read",
        "",
    ),
    "patch /v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda/{item_id}": (
        "interviews:write",
        "",
    ),
    "delete /v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda/{item_id}": (
        "interviews:write",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/outreach": ("outreach:read", ""),
    "post /v1/workspaces/{workspace_id}/outreach": ("outreach:write", ""),
    "get /v1/workspaces/{workspace_id}/outreach/{outreach_id}": ("outreach:read", ""),
    "patch /v1/workspaces/{workspace_id}/outreach/{outreach_id}": ("outreach:write", ""),
    "delete /v1/workspaces/{workspace_id}/outreach/{outreach_id}": ("outreach:write", ""),
    "post /v1/workspaces/{workspace_id}/outreach/{outreach_id}/send": ("outreach:write", ""),
    "post /v1/workspaces/{workspace_id}/outreach/{outreach_id}/accept": ("outreach:write", ""),
    "post /v1/workspaces/{workspace_id}/outreach/{outreach_id}/decline": ("outreach:write", ""),
    "post /v1/workspaces/{workspace_id}/outreach/{outreach_id}/no-response": (
        "outreach:write",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/templates": ("templates:read", ""),
    "post /v1/workspaces/{workspace_id}/templates": ("templates:write", ""),
    "get /v1/workspaces/{workspace_id}/templates/{template_id}": ("templates:read", ""),
    "patch /v1/workspaces/{workspace_id}/templates/{template_id}": ("templates:write", ""),
    "delete /v1/workspaces/{workspace_id}/templates/{template_id}": ("templates:write", ""),
    "post /v1/workspaces/{workspace_id}/templates/{template_id}/copy": ("templates:write", ""),
    "post /v1/workspaces/{workspace_id}/templates/{template_id}/render": ("templates:read", ""),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/referrals": ("people:write", ""),
    "get /v1/workspaces/{workspace_id}/interviews/{interview_id}/referrals": ("people:read", ""),
    "get /v1/workspaces/{workspace_id}/referrals/{referral_id}": ("people:read", ""),
    "delete /v1/workspaces/{workspace_id}/referrals/{referral_id}": ("people:write", ""),
    "get /v1/workspaces/{workspace_id}/people/{person_id}/referrals": ("people:read", ""),
    "get /v1/workspaces/{workspace_id}/people/{person_id}/referral-path": ("people:read", ""),
    "get /v1/workspaces/{workspace_id}/network": ("people:read,organisations:read", ""),
    "get /v1/workspaces/{workspace_id}/leads": ("leads:read", ""),
    "post /v1/workspaces/{workspace_id}/leads": ("leads:write", ""),
    "get /v1/workspaces/{workspace_id}/leads/{lead_id}": ("leads:read", ""),
    "patch /v1/workspaces/{workspace_id}/leads/{lead_id}": ("leads:write", ""),
    "delete /v1/workspaces/{workspace_id}/leads/{lead_id}": ("leads:write", ""),
    "get /v1/workspaces/{workspace_id}/people/{person_id}/timeline": ("people:read", ""),
    "get /v1/workspaces/{workspace_id}/question-banks/{bank_id}/lint": ("questions:read", ""),
    "get /v1/workspaces/{workspace_id}/interviews/{interview_id}/readiness": (
        "interviews:read",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/stats": ("stats:read,organisations:read", ""),
    "get /v1/workspaces/{workspace_id}/follow-ups": ("follow_ups:read", ""),
    "post /v1/workspaces/{workspace_id}/follow-ups": ("follow_ups:write", ""),
    "get /v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}": ("follow_ups:read", ""),
    "patch /v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}": ("follow_ups:write", ""),
    "delete /v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}": ("follow_ups:write", ""),
    "post /v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}/complete": (
        "follow_ups:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}/snooze": (
        "follow_ups:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}/dismiss": (
        "follow_ups:write",
        "",
    ),
    "post /v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}/reopen": (
        "follow_ups:write",
        "",
    ),
    "get /v1/workspaces/{workspace_id}/agenda": ("follow_ups:read", ""),
    "post /v1/workspaces/{workspace_id}/interviews/{interview_id}/thank-you": (
        "interviews:write,follow_ups:write",
        "",
    ),
}


async def test_each_route_requires_what_the_docs_say(app: Any) -> None:
    actual = {
        f"{op.method} {op.path}": (",".join(op.scopes), "" if op.api_keys_allowed else "users")
        for op in secured_operations(app.openapi())
    }
    assert actual == EXPECTED


async def test_the_matrix_covers_every_secured_route(app: Any) -> None:
    operations = secured_operations(app.openapi())
    paths = {op.path for op in operations}
    assert "/v1/me" in paths
    assert "/v1/workspaces/{workspace_id}/api-keys/{key_id}/revoke" in paths
    assert len(operations) >= 14
    # Everything but signup, token and revoke (which issue credentials) needs one; of the
    # probes, /metrics takes the operator's token and nothing else.
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            public = path.startswith("/v1/auth/") or not path.startswith("/v1/")
            if path == "/metrics":
                assert op["security"] == [{"MetricsToken": []}]
                assert "403" not in op["responses"]
                continue
            assert bool(op.get("security")) != public, f"{method} {path}"


async def test_credentials_are_required_and_checked(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    expired = _expired_token(app, world.owner.user_id)
    for op in secured_operations(app.openapi()):
        assert_problem(await _call(client, op, world, {}), 401, "unauthenticated")
        for token in ("garbage", expired, world.revoked_key, "rk_live_unknown"):
            response = await _call(client, op, world, bearer(token))
            assert_problem(response, 401, "invalid_token")


async def test_other_workspaces_are_invisible(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    for op in secured_operations(app.openapi()):
        if "{workspace_id}" not in op.path:
            continue
        response = await _call(client, op, world, world.stranger.headers)
        assert_problem(response, 404, "not_found")
        if op.api_keys_allowed:
            response = await _call(client, op, world, bearer(world.foreign_key))
            assert_problem(response, 404, "not_found")


async def test_roles_are_enforced_before_the_body_is_read(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    for op in secured_operations(app.openapi()):
        if "{workspace_id}" not in op.path:
            continue
        for role, account in ((Role.editor, world.editor), (Role.viewer, world.viewer)):
            response = await _call(client, op, world, account.headers)
            allowed = all(s in ROLE_SCOPES[role] for s in op.scopes)
            if not allowed:
                assert_problem(response, 403, "forbidden")
            else:
                refused = (401, 403) if _names_a_record(op) else (401, 404)
                assert response.status_code not in refused, (str(op), role, response.text)


async def test_api_key_scopes_are_enforced(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    for op in secured_operations(app.openapi()):
        response = await _call(client, op, world, bearer(world.narrow_key))
        if not op.api_keys_allowed:
            assert_problem(response, 403, "user_token_required")
        elif op.scopes:
            body = assert_problem(response, 403, "insufficient_scope")
            assert body["scope"] == op.scopes[0]
        else:
            assert response.status_code == 200, (str(op), response.text)


async def test_builtin_routes_outside_workspaces_are_listed() -> None:
    # Routes outside a workspace other than these would need their own rows in EXPECTED.
    assert set(EXPECTED) >= {"get /v1/me", "get /v1/workspaces", "post /v1/workspaces"}
