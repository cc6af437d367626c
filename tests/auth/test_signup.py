"""Sign-up: a new user, their personal workspace (as owner) and a first pair of tokens."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.core.db import Database
from tests.auth.helpers import login, users_with_email
from tests.conftest import PASSWORD, assert_problem, bearer, signup, unique_email

SIGNUP_URL = "/v1/auth/signup"


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email": unique_email(), "password": PASSWORD, "name": "Ada Lovelace"}
    body.update(overrides)
    return body


def _pointers(problem: dict[str, Any]) -> dict[str, str]:
    """`errors[]` as {pointer: code}."""
    return {e["pointer"]: e["code"] for e in problem["errors"]}


async def test_signup_creates_user_workspace_and_tokens(client: httpx.AsyncClient) -> None:
    email = unique_email("ada")

    response = await client.post(
        SIGNUP_URL, json={"email": email, "password": PASSWORD, "name": "Ada Lovelace"}
    )

    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/me"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "signup"
    assert set(body) == {"object", "user", "workspace", "token"}
    user = body["user"]
    assert user["object"] == "user"
    assert user["id"].startswith("usr_")
    assert user["email"] == email
    assert user["name"] == "Ada Lovelace"
    assert user["created_at"].endswith("Z")
    assert user["updated_at"].endswith("Z")
    assert "password" not in user
    assert "password_hash" not in user
    workspace = body["workspace"]
    assert workspace["object"] == "workspace"
    assert workspace["id"].startswith("wsp_")
    assert workspace["name"] == "Ada Lovelace"  # defaults to the user's name
    token = body["token"]
    assert token["token_type"] == "bearer"
    assert token["access_token"]
    assert token["expires_in"] > 0
    assert token["refresh_token"].startswith("rt_")
    assert token["refresh_token_expires_in"] > token["expires_in"]


async def test_signup_makes_the_user_owner_of_the_new_workspace(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post(SIGNUP_URL, json=_body(workspace_name="Job hunt 2026"))).json()

    response = await client.get("/v1/me", headers=bearer(created["token"]["access_token"]))

    assert response.status_code == 200, response.text
    me = response.json()
    assert me["id"] == created["user"]["id"]
    assert me["memberships"] == [
        {
            "workspace_id": created["workspace"]["id"],
            "workspace_name": "Job hunt 2026",
            "role": "owner",
        }
    ]


async def test_the_signup_access_token_and_a_login_both_work(
    client: httpx.AsyncClient,
) -> None:
    account = await signup(client)

    response = await login(client, account.email)

    assert response.status_code == 200, response.text
    assert (await client.get("/v1/me", headers=account.headers)).status_code == 200


async def test_email_is_unique_case_insensitively(
    client: httpx.AsyncClient, database: Database
) -> None:
    email = unique_email("grace")
    first = await signup(client, email=email)

    response = await client.post(
        SIGNUP_URL, json=_body(email=email.upper(), password="another password 123")
    )

    problem = assert_problem(response, 409, "email_taken")
    assert _pointers(problem) == {"/email": "email_taken"}
    assert await users_with_email(database, email) == 1
    # The first account is untouched: its password still works, the second one does not.
    assert (await login(client, email, PASSWORD)).status_code == 200
    assert (await login(client, email, "another password 123")).status_code == 400
    me = await client.get("/v1/me", headers=first.headers)
    assert me.json()["email"] == email


async def test_simultaneous_signups_with_one_email_create_one_user(
    client: httpx.AsyncClient, database: Database
) -> None:
    email = unique_email("twice")

    responses = await asyncio.gather(
        *(client.post(SIGNUP_URL, json=_body(email=email)) for _ in range(3))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409], [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            # The documented, stable code: never the generic `conflict` of a constraint race.
            assert_problem(response, 409, "email_taken")
    assert await users_with_email(database, email) == 1


async def test_password_of_exactly_twelve_characters_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(SIGNUP_URL, json=_body(password="x" * 12))

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("overrides", "pointer", "code"),
    [
        pytest.param({"password": "x" * 11}, "/password", "string_too_short", id="short-password"),
        pytest.param({"email": "not-an-email"}, "/email", "value_error", id="invalid-email"),
        pytest.param({"email": "ada@"}, "/email", "value_error", id="email-without-domain"),
        pytest.param({"name": "n" * 201}, "/name", "string_too_long", id="name-too-long"),
        pytest.param({"name": ""}, "/name", "string_too_short", id="empty-name"),
        pytest.param(
            {"workspace_name": "w" * 201}, "/workspace_name", "string_too_long", id="long-wsp"
        ),
        pytest.param({"role": "owner"}, "/role", "extra_forbidden", id="unknown-field"),
    ],
)
async def test_invalid_signup_is_rejected_and_creates_nothing(
    client: httpx.AsyncClient,
    database: Database,
    overrides: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    body = _body(**overrides)

    response = await client.post(SIGNUP_URL, json=body)

    problem = assert_problem(response, 422, "validation_failed")
    assert _pointers(problem) == {pointer: code}
    for error in problem["errors"]:
        assert error["detail"]
    assert await users_with_email(database, body["email"]) == 0
    assert (await login(client, body["email"])).status_code == 400


async def test_signup_with_missing_fields_names_each_of_them(
    client: httpx.AsyncClient, database: Database
) -> None:
    email = unique_email("nopassword")

    response = await client.post(SIGNUP_URL, json={"email": email, "name": "Ada"})

    problem = assert_problem(response, 422, "validation_failed")
    assert _pointers(problem) == {"/password": "missing"}
    assert await users_with_email(database, email) == 0


async def test_signup_with_an_empty_body_names_every_required_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(SIGNUP_URL, json={})

    problem = assert_problem(response, 422, "validation_failed")
    assert _pointers(problem) == {"/email": "missing", "/password": "missing", "/name": "missing"}


async def test_signup_with_malformed_json_is_a_400(
    client: httpx.AsyncClient, database: Database
) -> None:
    email = unique_email("broken")

    response = await client.post(
        SIGNUP_URL,
        content=f'{{"email": "{email}", "password": ',
        headers={"Content-Type": "application/json"},
    )

    assert_problem(response, 400, "malformed_json")
    assert await users_with_email(database, email) == 0
