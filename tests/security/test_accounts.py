"""Attacks on accounts, replayed over HTTP (issue 18: findings 7, 8, 9 and part of 13): sign-up
floods, locking a seeker out from elsewhere, refresh races, and grants the server does not know."""

from __future__ import annotations

import asyncio
import secrets
import threading
from contextlib import AsyncExitStack
from typing import Any

import httpx
import jwt
from sqlalchemy import func, select

from app.auth.models import refresh_tokens
from app.auth.throttle import account_address_key, account_key, signup_key
from app.core.db import Database
from app.core.security import digest
from app.core.settings import Settings
from app.main import create_app
from tests.auth.helpers import (
    TOKEN_URL,
    login,
    outlive_refresh_grace,
    refresh,
    refresh_tokens_of,
    throttle_failures,
    users_with_email,
)
from tests.conftest import PASSWORD, Account, assert_problem, client_for, signup, unique_email

SIGNUP_URL = "/v1/auth/signup"
WRONG = "definitely not the password"


def own_network() -> str:
    """An IPv6 documentation address in a /64 no other test uses."""
    return f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"


def assert_rate_limited(response: httpx.Response, window_seconds: int) -> None:
    assert_problem(response, 429, "rate_limited")
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= window_seconds + 1
    assert "access_token" not in response.text


async def post_signup(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(SIGNUP_URL, json={"email": email, "password": PASSWORD, "name": "Ada"})


# -- 7. sign-up floods ----------------------------------------------------------------------


async def test_signups_from_one_address_are_limited_before_any_hashing(
    app: Any, database: Database
) -> None:
    policy = app.state.throttle_policy
    address = own_network()
    async with client_for(app, address) as flooder:
        for _ in range(policy.signup_max_per_address):
            await signup(flooder)
        refused = unique_email("flood")
        hashed_before = app.state.passwords.computed

        response = await post_signup(flooder, refused)

    assert_rate_limited(response, policy.signup_window_seconds)
    assert app.state.passwords.computed == hashed_before  # refused before Argon2 ran
    assert await users_with_email(database, refused) == 0
    # The refused attempt was not counted: knocking does not extend the wait.
    assert await throttle_failures(database, signup_key(address)) == policy.signup_max_per_address


async def test_signups_count_per_ipv6_64_and_other_networks_are_unaffected(app: Any) -> None:
    policy = app.state.throttle_policy
    prefix = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    for n in range(policy.signup_max_per_address):
        async with client_for(app, f"{prefix}::{n + 1:x}") as rotating:
            await signup(rotating)

    async with client_for(app, f"{prefix}:ffff:ffff:ffff:ffff") as same_network:
        refused = await post_signup(same_network, unique_email("flood"))
    async with client_for(app, own_network()) as elsewhere:
        accepted = await post_signup(elsewhere, unique_email("neighbour"))

    assert_rate_limited(refused, policy.signup_window_seconds)
    assert accepted.status_code == 201, accepted.text


async def test_a_parallel_burst_of_signups_cannot_outrun_the_limit(
    app: Any, database: Database
) -> None:
    limit = app.state.throttle_policy.signup_max_per_address
    emails = [unique_email("burst") for _ in range(2 * limit)]
    async with client_for(app, own_network()) as flooder:
        responses = await asyncio.gather(*(post_signup(flooder, email) for email in emails))

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == limit, statuses
    assert statuses.count(429) == limit, statuses
    created = [await users_with_email(database, email) for email in emails]
    assert sum(created) == limit


async def test_every_app_process_shares_the_signup_counter(app: Any) -> None:
    """Two app instances on one database (two processes behind a balancer) count together."""
    limit = app.state.throttle_policy.signup_max_per_address
    address = own_network()
    other = create_app(Settings())
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(other.router.lifespan_context(other))
        here = await stack.enter_async_context(client_for(app, address))
        there = await stack.enter_async_context(client_for(other, address))
        for n in range(limit):
            await signup(here if n % 2 else there)

        responses = [await post_signup(c, unique_email("flood")) for c in (here, there)]

    for response in responses:
        assert_rate_limited(response, app.state.throttle_policy.signup_window_seconds)


async def test_password_hashing_runs_in_the_bounded_pool(app: Any) -> None:
    """A burst of sign-ups (each from its own network) is hashed on the pool's threads, never
    more at once than the pool allows: the rest wait their turn."""
    passwords = app.state.passwords
    concurrency = app.state.settings.password_hash_concurrency
    computed_before = passwords.computed
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(client_for(app)) for _ in range(4 * concurrency)]
        responses = await asyncio.gather(*(post_signup(c, unique_email("burst")) for c in clients))

    assert [r.status_code for r in responses] == [201] * len(clients)
    assert passwords.computed - computed_before == len(clients)
    assert 1 <= passwords.most_running <= concurrency
    assert passwords.running == 0
    hashers = {t.name for t in threading.enumerate() if t.name.startswith("rapport-argon2")}
    assert hashers, "hashing ran outside the pool's threads"


# -- 8. locking a seeker out ------------------------------------------------------------------


async def test_failures_from_elsewhere_do_not_lock_the_owner_out(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    policy = app.state.throttle_policy
    async with client_for(app, own_network()) as attacker:
        for _ in range(policy.max_per_account_address):
            assert_problem(await login(attacker, owner.email, WRONG), 400, "invalid_grant")
        # The attacker's own address is locked out of the account, even with the password.
        assert_rate_limited(await login(attacker, owner.email), policy.window_seconds)

    response = await login(client, owner.email)

    assert response.status_code == 200, response.text


async def test_the_account_wide_ceiling_locks_every_address(
    client: httpx.AsyncClient, app: Any, database: Database, owner: Account
) -> None:
    """Guesses spread over many addresses still meet a limit: the account's ceiling."""
    policy = app.state.throttle_policy
    attackers = -(-policy.max_per_account // policy.max_per_account_address)
    failures = 0
    for _ in range(attackers):
        async with client_for(app, own_network()) as attacker:
            for _ in range(min(policy.max_per_account_address, policy.max_per_account - failures)):
                assert_problem(await login(attacker, owner.email, WRONG), 400, "invalid_grant")
                failures += 1
    issued_before = await refresh_tokens_of(database, owner.user_id)

    response = await login(client, owner.email)

    assert_rate_limited(response, policy.window_seconds)
    assert await refresh_tokens_of(database, owner.user_id) == issued_before
    assert await throttle_failures(database, account_key(owner.email)) == policy.max_per_account


async def test_a_successful_login_clears_only_its_own_address_count(
    app: Any, database: Database
) -> None:
    below_limit = app.state.throttle_policy.max_per_account_address - 1
    owner_address, attacker_address = own_network(), own_network()
    async with client_for(app, owner_address) as own, client_for(app, attacker_address) as other:
        owner = await signup(own)
        for _ in range(below_limit):
            await login(own, owner.email, WRONG)
            await login(other, owner.email, WRONG)

        assert (await login(own, owner.email)).status_code == 200

        pair = account_address_key
        assert await throttle_failures(database, pair(owner.email, owner_address)) is None
        assert await throttle_failures(database, pair(owner.email, attacker_address)) == below_limit
        # The account-wide count stays: the owner's logins must not reset guessers' ceiling.
        assert await throttle_failures(database, account_key(owner.email)) == 2 * below_limit
        for _ in range(below_limit):
            assert_problem(await login(own, owner.email, WRONG), 400, "invalid_grant")
        assert (await login(own, owner.email)).status_code == 200


# -- 9. refresh races -----------------------------------------------------------------------


def claims(access_token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return decoded


async def test_a_refresh_repeated_within_the_grace_window_gets_the_same_pair(
    client: httpx.AsyncClient, app: Any, database: Database, owner: Account
) -> None:
    """A retry whose first answer was lost, or a second tab: the same pair, nothing revoked."""
    assert app.state.token_policy.refresh_grace_seconds > 0
    first = await refresh(client, owner.refresh_token)
    assert first.status_code == 200, first.text
    issued = await refresh_tokens_of(database, owner.user_id)

    again = await refresh(client, owner.refresh_token)

    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert claims(again.json()["access_token"]) == claims(first.json()["access_token"])
    assert await refresh_tokens_of(database, owner.user_id) == issued
    # The successor is stored as its SHA-256 only, like every refresh token.
    successor = first.json()["refresh_token"]
    rows = await database.reader().all(
        select(*refresh_tokens.c).where(refresh_tokens.c.user_id == owner.user_id)
    )
    assert digest(successor) in {row["token_hash"] for row in rows}
    assert not [row for row in rows if successor in repr(row)]
    assert (await refresh(client, successor)).status_code == 200


async def test_parallel_refreshes_of_one_token_all_get_the_same_pair(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """Two tabs (here five) refresh at once: on PostgreSQL the losers of the rotation wait for
    the winner's commit, on SQLite they queue behind it; every one gets the winner's pair."""
    responses = await asyncio.gather(*(refresh(client, owner.refresh_token) for _ in range(5)))

    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    assert all(r.json() == responses[0].json() for r in responses)
    successor = responses[0].json()["refresh_token"]
    next_pair = await refresh(client, successor)
    assert next_pair.status_code == 200, next_pair.text
    assert (await refresh(client, next_pair.json()["refresh_token"])).status_code == 200


async def test_reuse_after_the_grace_window_still_revokes_the_family(
    client: httpx.AsyncClient, app: Any, database: Database, owner: Account
) -> None:
    successor = (await refresh(client, owner.refresh_token)).json()["refresh_token"]
    assert (await refresh(client, owner.refresh_token)).status_code == 200  # within the window
    await outlive_refresh_grace(app, database, owner.refresh_token)

    reused = await refresh(client, owner.refresh_token)

    assert_problem(reused, 400, "invalid_grant")
    assert reused.json()["error"] == "invalid_grant"
    assert_problem(await refresh(client, successor), 400, "invalid_grant")
    revoked = await database.reader().scalar(
        select(func.count())
        .select_from(refresh_tokens)
        .where(refresh_tokens.c.user_id == owner.user_id, refresh_tokens.c.revoked_at.is_(None))
    )
    assert revoked == 0


async def test_no_grace_once_the_successor_was_itself_rotated(
    client: httpx.AsyncClient, owner: Account
) -> None:
    successor = (await refresh(client, owner.refresh_token)).json()["refresh_token"]
    newest = (await refresh(client, successor)).json()["refresh_token"]

    late = await refresh(client, owner.refresh_token)

    assert_problem(late, 400, "invalid_grant")
    # Within the window nothing is revoked: the session's newest token keeps working.
    assert (await refresh(client, newest)).status_code == 200


async def test_no_grace_once_the_session_was_revoked(
    client: httpx.AsyncClient, owner: Account
) -> None:
    successor = (await refresh(client, owner.refresh_token)).json()["refresh_token"]
    assert (await refresh(client, owner.refresh_token)).status_code == 200
    assert (await client.post("/v1/auth/revoke", data={"token": successor})).status_code == 200

    response = await refresh(client, owner.refresh_token)

    assert_problem(response, 400, "invalid_grant")
    assert_problem(await refresh(client, successor), 400, "invalid_grant")


# -- 13. grants the server does not know -----------------------------------------------------


async def test_an_unknown_grant_type_is_unsupported_grant_type(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    issued_before = await refresh_tokens_of(database, owner.user_id)

    response = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "username": owner.email, "password": PASSWORD},
    )

    problem = assert_problem(response, 400, "unsupported_grant_type")
    assert problem["error"] == "unsupported_grant_type"  # RFC 6749 §5.2
    assert problem["error_description"]
    assert "access_token" not in problem
    assert await refresh_tokens_of(database, owner.user_id) == issued_before
    # A request without any grant_type is malformed, as before: a validation error naming it.
    missing = await client.post(TOKEN_URL, data={"username": owner.email, "password": PASSWORD})
    missing_problem = assert_problem(missing, 422, "validation_failed")
    assert [e["pointer"] for e in missing_problem["errors"]] == ["/grant_type"]
