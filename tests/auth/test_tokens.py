"""POST /v1/auth/token (password and refresh_token grants) and POST /v1/auth/revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from app.auth.models import refresh_tokens
from app.core.db import Database, utcnow
from app.core.security import digest
from tests.auth.helpers import TOKEN_URL, login, outlive_refresh_grace, refresh, refresh_tokens_of
from tests.conftest import Account, assert_problem, bearer, signup, unique_email

REVOKE_URL = "/v1/auth/revoke"


def assert_invalid_grant(response: httpx.Response) -> None:
    """400 problem details that an OAuth2 client library also understands (RFC 6749 §5.2)."""
    problem = assert_problem(response, 400, "invalid_grant")
    assert problem["error"] == "invalid_grant"
    assert problem["error_description"]


# -- password grant -------------------------------------------------------------------------


async def test_password_grant_issues_a_bearer_token_and_a_refresh_token(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    issued_before = await refresh_tokens_of(database, owner.user_id)

    response = await login(client, owner.email)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"].startswith("rt_")
    assert body["refresh_token"] != owner.refresh_token
    assert body["refresh_token_expires_in"] > 0
    assert await refresh_tokens_of(database, owner.user_id) == issued_before + 1
    me = await client.get("/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == owner.user_id


async def test_login_ignores_the_case_of_the_email(client: httpx.AsyncClient) -> None:
    account = await signup(client, email=unique_email("MixedCase"))

    response = await login(client, account.email.upper())

    assert response.status_code == 200, response.text
    me = await client.get("/v1/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["id"] == account.user_id


async def test_wrong_password_is_invalid_grant(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    issued_before = await refresh_tokens_of(database, owner.user_id)

    response = await login(client, owner.email, "not the password at all")

    assert_invalid_grant(response)
    assert "access_token" not in response.json()
    assert await refresh_tokens_of(database, owner.user_id) == issued_before


async def test_unknown_email_gets_the_same_answer_as_a_wrong_password(
    client: httpx.AsyncClient, owner: Account
) -> None:
    wrong_password = await login(client, owner.email, "not the password at all")

    unknown = await login(client, unique_email("nobody"))

    assert_invalid_grant(unknown)
    assert unknown.json()["detail"] == wrong_password.json()["detail"]
    assert unknown.json()["error_description"] == wrong_password.json()["error_description"]


async def test_password_grant_without_password_is_invalid_request(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(
        TOKEN_URL, data={"grant_type": "password", "username": owner.email}
    )

    problem = assert_problem(response, 400, "invalid_request")
    assert problem["error"] == "invalid_request"


async def test_password_grant_without_username_is_invalid_request(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        TOKEN_URL, data={"grant_type": "password", "password": "whatever it is"}
    )

    problem = assert_problem(response, 400, "invalid_request")
    assert problem["error"] == "invalid_request"


async def test_unsupported_grant_type_is_answered_as_rfc_6749_says(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "username": owner.email, "password": "x"},
    )

    problem = assert_problem(response, 400, "unsupported_grant_type")
    assert problem["error"] == "unsupported_grant_type"


async def test_token_request_as_json_is_rejected(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.post(
        TOKEN_URL,
        json={"grant_type": "password", "username": owner.email, "password": owner.password},
    )

    problem = assert_problem(response, 422, "validation_failed")
    assert "/grant_type" in [e["pointer"] for e in problem["errors"]]
    assert "access_token" not in problem


async def test_unknown_form_field_is_rejected(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "password",
            "username": owner.email,
            "password": owner.password,
            "admin": "true",
        },
    )

    problem = assert_problem(response, 422, "validation_failed")
    assert {"pointer": "/admin"}.items() <= problem["errors"][0].items()


# -- refresh_token grant --------------------------------------------------------------------


async def test_refresh_rotates_the_refresh_token(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    response = await refresh(client, owner.refresh_token)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"].startswith("rt_")
    assert body["refresh_token"] != owner.refresh_token
    assert body["access_token"] != owner.access_token
    me = await client.get("/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == owner.user_id
    # The used token is marked rotated, and both belong to one family (one login session).
    rows = await database.reader().all(
        select(refresh_tokens.c.family_id, refresh_tokens.c.rotated_at).where(
            refresh_tokens.c.token_hash.in_(
                [digest(owner.refresh_token), digest(body["refresh_token"])]
            )
        )
    )
    assert len(rows) == 2
    assert len({r["family_id"] for r in rows}) == 1
    assert sorted(r["rotated_at"] is None for r in rows) == [False, True]


async def test_the_rotated_refresh_token_can_itself_be_refreshed(
    client: httpx.AsyncClient, owner: Account
) -> None:
    second = (await refresh(client, owner.refresh_token)).json()["refresh_token"]

    response = await refresh(client, second)

    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] not in (owner.refresh_token, second)


async def test_reusing_a_refresh_token_revokes_its_whole_family(
    client: httpx.AsyncClient, app: Any, database: Database, owner: Account
) -> None:
    newest = (await refresh(client, owner.refresh_token)).json()["refresh_token"]
    await outlive_refresh_grace(app, database, owner.refresh_token)

    reused = await refresh(client, owner.refresh_token)

    assert_invalid_grant(reused)
    # The reuse looks like a leak: the legitimate holder's newest token is dead too.
    assert_invalid_grant(await refresh(client, newest))


async def test_revoking_one_family_leaves_another_login_working(
    client: httpx.AsyncClient, app: Any, database: Database, owner: Account
) -> None:
    other_session = (await login(client, owner.email)).json()["refresh_token"]
    await refresh(client, owner.refresh_token)
    await outlive_refresh_grace(app, database, owner.refresh_token)
    assert_invalid_grant(await refresh(client, owner.refresh_token))  # reuse: family revoked

    response = await refresh(client, other_session)

    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"].startswith("rt_")


async def test_garbage_refresh_token_is_invalid_grant(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "rt_this-token-was-never-issued")

    assert_invalid_grant(response)


async def test_an_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await refresh(client, owner.access_token[:200])

    assert_invalid_grant(response)


async def test_expired_refresh_token_is_invalid_grant(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    async with database.transaction() as db:
        await db.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == digest(owner.refresh_token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    response = await refresh(client, owner.refresh_token)

    assert_invalid_grant(response)


async def test_refresh_grant_without_refresh_token_is_invalid_request(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(TOKEN_URL, data={"grant_type": "refresh_token"})

    problem = assert_problem(response, 400, "invalid_request")
    assert problem["error"] == "invalid_request"


# -- revocation -----------------------------------------------------------------------------


async def test_revoke_ends_the_session_of_a_refresh_token(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    response = await client.post(REVOKE_URL, data={"token": owner.refresh_token})

    assert response.status_code == 200, response.text
    assert response.json() == {"object": "token_revocation", "revoked": True}
    assert_invalid_grant(await refresh(client, owner.refresh_token))
    revoked_at = await database.reader().scalar(
        select(refresh_tokens.c.revoked_at).where(
            refresh_tokens.c.token_hash == digest(owner.refresh_token)
        )
    )
    assert revoked_at is not None


async def test_revoking_a_rotated_token_also_revokes_its_successor(
    client: httpx.AsyncClient, owner: Account
) -> None:
    newest = (await refresh(client, owner.refresh_token)).json()["refresh_token"]

    response = await client.post(
        REVOKE_URL, data={"token": owner.refresh_token, "token_type_hint": "refresh_token"}
    )

    assert response.status_code == 200, response.text
    assert_invalid_grant(await refresh(client, newest))


async def test_revoke_leaves_other_sessions_alone(
    client: httpx.AsyncClient, owner: Account
) -> None:
    other_session = (await login(client, owner.email)).json()["refresh_token"]

    await client.post(REVOKE_URL, data={"token": owner.refresh_token})

    assert (await refresh(client, other_session)).status_code == 200


async def test_revoking_an_unknown_token_is_answered_the_same(client: httpx.AsyncClient) -> None:
    response = await client.post(REVOKE_URL, data={"token": "rt_never-issued"})

    assert response.status_code == 200, response.text
    assert response.json() == {"object": "token_revocation", "revoked": True}


async def test_revoking_twice_is_harmless(client: httpx.AsyncClient, owner: Account) -> None:
    await client.post(REVOKE_URL, data={"token": owner.refresh_token})

    response = await client.post(REVOKE_URL, data={"token": owner.refresh_token})

    assert response.status_code == 200, response.text
    assert_invalid_grant(await refresh(client, owner.refresh_token))


async def test_revoke_without_token_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post(REVOKE_URL, data={})

    problem = assert_problem(response, 422, "validation_failed")
    assert [e["pointer"] for e in problem["errors"]] == ["/token"]
