"""Sessions can end early (issue 18, finding 10): an access token carries its session, and a
revoked session is refused at once in the process that revoked it and within the cache bound
in the others; changing the password and signing out everywhere end sessions too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import jwt
import pytest

from app.auth import caller as caller_module
from app.core.security import ACCESS_TOKEN_AUDIENCE
from app.core.settings import Settings
from app.main import create_app
from tests.auth.helpers import login, outlive_refresh_grace, refresh
from tests.conftest import PASSWORD, Account, assert_problem, bearer, client_for, signup
from tests.security.test_keys_and_members import PausedLookups

TTL = 1.0
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
async def two_processes() -> AsyncIterator[list[tuple[Any, httpx.AsyncClient]]]:
    async with AsyncExitStack() as stack:
        pairs = []
        for _ in range(2):
            app = create_app(Settings(auth_cache_seconds=TTL))
            await stack.enter_async_context(app.router.lifespan_context(app))
            pairs.append((app, await stack.enter_async_context(client_for(app))))
        yield pairs


async def a_second_session(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await login(client, account.email)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def works(client: httpx.AsyncClient, access_token: str) -> bool:
    # A route that trusts what the process remembers (privileged ones always ask the database).
    response = await client.get("/v1/workspaces", headers=bearer(access_token))
    if response.status_code == 401:
        assert_problem(response, 401, "invalid_token")
        return False
    assert response.status_code == 200, response.text
    return True


async def test_revoking_a_session_refuses_its_access_tokens_here_at_once_and_elsewhere_soon(
    two_processes: list[tuple[Any, httpx.AsyncClient]],
) -> None:
    (_, here), (_, elsewhere) = two_processes
    account = await signup(here)
    other = await a_second_session(here, account)
    for client in (here, elsewhere):  # both processes trust the session now
        assert await works(client, account.access_token)

    revoked = await here.post("/v1/auth/revoke", data={"token": account.refresh_token})
    assert revoked.status_code == 200

    assert not await works(here, account.access_token)
    await asyncio.sleep(TTL + 0.2)
    assert not await works(elsewhere, account.access_token)
    # The other session goes on.
    assert await works(here, other["access_token"])
    assert await works(elsewhere, other["access_token"])


async def test_an_access_token_without_a_session_is_refused(
    app: Any, client: httpx.AsyncClient
) -> None:
    account = await signup(client)
    now = int(time.time())
    claims = {"sub": account.user_id, "aud": ACCESS_TOKEN_AUDIENCE, "iat": now, "exp": now + 600}
    sessionless = jwt.encode(claims, app.state.signing_key, algorithm="HS256")
    assert not await works(client, sessionless)
    # Nor one naming a session of somebody else.
    stranger = await signup(client)
    stranger_sid = jwt.decode(stranger.access_token, options={"verify_signature": False})["sid"]
    borrowed = jwt.encode({**claims, "sid": stranger_sid}, app.state.signing_key, algorithm="HS256")
    assert not await works(client, borrowed)
    assert await works(client, account.access_token)


async def test_sign_out_everywhere_ends_every_session(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    other = await a_second_session(client, account)
    bystander = await signup(client)
    response = await client.post("/v1/me/sign-out-everywhere", headers=account.headers)
    assert response.status_code == 204, response.text
    for access in (account.access_token, other["access_token"]):
        assert not await works(client, access)
    for token in (account.refresh_token, other["refresh_token"]):
        assert_problem(await refresh(client, token), 400, "invalid_grant")
    assert await works(client, bystander.access_token)
    # Logging in again starts a new session.
    assert await works(client, (await a_second_session(client, account))["access_token"])


async def test_changing_the_password_ends_every_other_session(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    other = await a_second_session(client, account)
    response = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert response.status_code == 204, response.text
    assert await works(client, account.access_token)  # the session that changed it stays
    assert (await refresh(client, account.refresh_token)).status_code == 200
    assert not await works(client, other["access_token"])
    assert_problem(await refresh(client, other["refresh_token"]), 400, "invalid_grant")
    assert_problem(await login(client, account.email), 400, "invalid_grant")
    assert (await login(client, account.email, NEW_PASSWORD)).status_code == 200


async def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(
    app: Any, client: httpx.AsyncClient
) -> None:
    account = await signup(client)
    other = await a_second_session(client, account)
    attempt = {"current_password": "not the password", "new_password": NEW_PASSWORD}
    limit = app.state.throttle_policy.max_per_account_address
    for _ in range(limit):
        response = await client.post("/v1/me/password", json=attempt, headers=account.headers)
        problem = assert_problem(response, 403, "incorrect_password")
        assert problem["errors"][0]["pointer"] == "/current_password"
        assert problem["errors"][0]["code"] == "incorrect_password"
    # Past the limit even the right password is refused for a while: a stolen access token
    # guesses no faster than a login does.
    right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert_problem(
        await client.post("/v1/me/password", json=right, headers=account.headers),
        429,
        "rate_limited",
    )
    assert await works(client, other["access_token"])
    short = {"current_password": PASSWORD, "new_password": "short"}
    async with client_for(app) as elsewhere:
        assert_problem(
            await elsewhere.post("/v1/me/password", json=short, headers=account.headers),
            422,
            "validation_failed",
        )
        assert (await login(elsewhere, account.email)).status_code == 200


async def test_api_keys_cannot_change_passwords_or_sign_out(
    client: httpx.AsyncClient, owner: Account
) -> None:
    from tests.conftest import create_api_key

    key = await create_api_key(client, owner, ["workspaces:read"])
    for path, body in (
        ("/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        ("/v1/me/sign-out-everywhere", None),
    ):
        response = await client.post(path, json=body, headers=bearer(key["secret"]))
        assert_problem(response, 403, "user_token_required")
    assert await works(client, owner.access_token)


async def test_a_reused_refresh_token_ends_its_sessions_access_tokens_at_once(
    app: Any, client: httpx.AsyncClient
) -> None:
    account = await signup(client)
    rotated = await refresh(client, account.refresh_token)
    assert rotated.status_code == 200
    newest = rotated.json()
    await outlive_refresh_grace(app, app.state.database, account.refresh_token)
    assert_problem(await refresh(client, account.refresh_token), 400, "invalid_grant")
    for access in (account.access_token, newest["access_token"]):
        assert not await works(client, access)


async def test_a_revocation_racing_a_session_lookup_always_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_app(Settings(auth_cache_seconds=300))
    async with app.router.lifespan_context(app), client_for(app) as client:
        for _ in range(10):
            account = await signup(client)
            pause = PausedLookups(app.state.database, caller_module._session_is_alive)
            with monkeypatch.context() as patch:
                pause.install(patch)
                first_use = asyncio.create_task(
                    client.get("/v1/workspaces", headers=account.headers)
                )
                await pause.answered.wait()  # read the session as alive, not cached yet
                revoked = await client.post(
                    "/v1/auth/revoke", data={"token": account.refresh_token}
                )
                assert revoked.status_code == 200
                pause.go_on.set()
                await first_use
            assert not await works(client, account.access_token)
