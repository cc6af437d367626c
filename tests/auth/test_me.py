"""GET /v1/me, and how an access token is checked: present, well formed, signed, unexpired."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from tests.auth.helpers import login
from tests.conftest import Account, assert_problem, bearer, create_api_key


def make_token(app: Any, claims: dict[str, Any], *, key: str | None = None) -> str:
    return jwt.encode(claims, key or app.state.signing_key, algorithm="HS256")


def assert_unauthenticated(response: httpx.Response, code: str) -> None:
    problem = assert_problem(response, 401, code)
    assert response.headers["www-authenticate"] == "Bearer"
    assert "memberships" not in problem


async def test_me_describes_the_user_and_their_workspaces(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get("/v1/me", headers=owner.headers)

    assert response.status_code == 200, response.text
    me = response.json()
    assert me["object"] == "user"
    assert me["id"] == owner.user_id
    assert me["email"] == owner.email
    assert me["name"] == "Owner"
    assert me["created_at"].endswith("Z")
    assert me["memberships"] == [
        {"workspace_id": owner.workspace_id, "workspace_name": "Owner", "role": "owner"}
    ]


async def test_me_lists_every_workspace_with_its_role(
    client: httpx.AsyncClient, owner: Account, editor: Account
) -> None:
    response = await client.get("/v1/me", headers=editor.headers)

    assert response.status_code == 200, response.text
    roles = {m["workspace_id"]: m["role"] for m in response.json()["memberships"]}
    assert roles == {editor.workspace_id: "owner", owner.workspace_id: "editor"}


async def test_me_works_with_a_token_from_the_password_grant(
    client: httpx.AsyncClient, viewer: Account, owner: Account
) -> None:
    token = (await login(client, viewer.email)).json()["access_token"]

    response = await client.get("/v1/me", headers=bearer(token))

    assert response.status_code == 200, response.text
    roles = {m["workspace_id"]: m["role"] for m in response.json()["memberships"]}
    assert roles[owner.workspace_id] == "viewer"


async def test_me_refuses_an_api_key(client: httpx.AsyncClient, owner: Account) -> None:
    key = await create_api_key(client, owner, ["people:read"])

    response = await client.get("/v1/me", headers=bearer(key["secret"]))

    assert_problem(response, 403, "user_token_required")


async def test_me_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me")

    assert_unauthenticated(response, "unauthenticated")


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Basic dXNlcjpwYXNzd29yZA==", id="basic-scheme"),
        pytest.param("Bearer", id="bearer-without-token"),
        pytest.param("Bearer   ", id="bearer-with-blank-token"),
        pytest.param("Token abc", id="other-scheme"),
    ],
)
async def test_me_with_a_malformed_authorization_header_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get("/v1/me", headers={"Authorization": authorization})

    assert_unauthenticated(response, "unauthenticated")


async def test_the_bearer_scheme_name_is_case_insensitive(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get("/v1/me", headers={"Authorization": f"bearer {owner.access_token}"})

    assert response.status_code == 200, response.text


async def test_a_garbage_token_is_invalid_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me", headers=bearer("not.a.jwt"))

    assert_unauthenticated(response, "invalid_token")


async def test_an_expired_token_is_invalid_token(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    now = int(time.time())
    token = make_token(
        app, {"sub": owner.user_id, "aud": "rapport-api", "iat": now - 1000, "exp": now - 100}
    )

    response = await client.get("/v1/me", headers=bearer(token))

    assert_unauthenticated(response, "invalid_token")


async def test_a_token_signed_with_another_key_is_invalid_token(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    claims = {"sub": owner.user_id, "aud": "rapport-api", "exp": int(time.time()) + 600}
    token = make_token(app, claims, key="some-other-key-" + "y" * 40)

    response = await client.get("/v1/me", headers=bearer(token))

    assert_unauthenticated(response, "invalid_token")


def session_of(account: Account) -> str:
    """The session (`sid`) the account's access token was issued in."""
    sid: str = jwt.decode(account.access_token, options={"verify_signature": False})["sid"]
    return sid


async def test_a_well_signed_fresh_token_is_accepted(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    claims = {
        "sub": owner.user_id,
        "sid": session_of(owner),
        "aud": "rapport-api",
        "exp": int(time.time()) + 600,
    }

    response = await client.get("/v1/me", headers=bearer(make_token(app, claims)))

    assert response.status_code == 200, response.text
    assert response.json()["id"] == owner.user_id


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": "some-other-api"}, id="wrong-audience"),
        pytest.param({"aud": None}, id="no-audience"),
        pytest.param({"exp": None}, id="no-expiry"),
        pytest.param({"sub": None}, id="no-subject"),
        pytest.param({"sid": None}, id="no-session"),
        pytest.param({"sid": "rtk_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"}, id="unknown-session"),
    ],
)
async def test_a_token_with_wrong_or_missing_claims_is_invalid_token(
    client: httpx.AsyncClient, app: Any, owner: Account, claims: dict[str, Any]
) -> None:
    full = {
        "sub": owner.user_id,
        "sid": session_of(owner),
        "aud": "rapport-api",
        "exp": int(time.time()) + 600,
        **claims,
    }
    token = make_token(app, {k: v for k, v in full.items() if v is not None})

    response = await client.get("/v1/me", headers=bearer(token))

    assert_unauthenticated(response, "invalid_token")


async def test_an_unsigned_token_is_invalid_token(
    client: httpx.AsyncClient, owner: Account
) -> None:
    claims = {"sub": owner.user_id, "aud": "rapport-api", "exp": int(time.time()) + 600}
    token = jwt.encode(claims, key=None, algorithm="none")

    response = await client.get("/v1/me", headers=bearer(token))

    assert_unauthenticated(response, "invalid_token")
