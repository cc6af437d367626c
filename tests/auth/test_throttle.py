"""The login throttle: too many failed logins to an account from one address, or from one address
to any accounts, answer 429 (the account-wide ceiling: tests/security/test_accounts.py)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx

from app.auth.throttle import account_address_key, address_key
from app.core.db import Database
from tests.auth.helpers import login, refresh_tokens_of, throttle_failures
from tests.conftest import Account, assert_problem, client_for, signup, unique_email

WRONG = "definitely not the password"


def fixed_address() -> str:
    """An IPv6 documentation address of this test's own (so counters never leak across tests)."""
    return f"2001:db8:{secrets.token_hex(2)}::{secrets.token_hex(2)}"


def assert_rate_limited(response: httpx.Response, app: Any) -> None:
    assert_problem(response, 429, "rate_limited")
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= app.state.throttle_policy.window_seconds + 1
    assert "access_token" not in response.json()


async def test_account_is_locked_after_too_many_failures_even_with_the_right_password(
    client: httpx.AsyncClient, app: Any, database: Database, owner: Account
) -> None:
    limit = app.state.throttle_policy.max_per_account_address
    for _ in range(limit):
        assert_problem(await login(client, owner.email, WRONG), 400, "invalid_grant")
    issued_before = await refresh_tokens_of(database, owner.user_id)

    response = await login(client, owner.email, owner.password)

    assert_rate_limited(response, app)
    assert await refresh_tokens_of(database, owner.user_id) == issued_before
    # The refused attempt was not counted: the lock is not extended by knocking on it.
    assert await throttle_failures(database, f"account:{owner.email.lower()}") == limit


async def test_the_last_tolerated_failure_is_still_a_plain_invalid_grant(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    limit = app.state.throttle_policy.max_per_account_address
    for _ in range(limit - 1):
        await login(client, owner.email, WRONG)

    response = await login(client, owner.email, WRONG)

    assert_problem(response, 400, "invalid_grant")
    assert "retry-after" not in response.headers


async def test_an_account_locked_at_one_address_opens_at_another(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    """Issue 18: failures from one address no longer lock the owner out everywhere."""
    for _ in range(app.state.throttle_policy.max_per_account_address):
        await login(client, owner.email, WRONG)

    async with client_for(app, fixed_address()) as elsewhere:
        response = await login(elsewhere, owner.email, owner.password)

    assert response.status_code == 200, response.text


async def test_failures_count_whatever_the_case_of_the_email(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    limit = app.state.throttle_policy.max_per_account_address
    for i in range(limit):
        email = owner.email.upper() if i % 2 else owner.email.title()
        await login(client, email, WRONG)

    response = await login(client, owner.email, owner.password)

    assert_rate_limited(response, app)


async def test_a_locked_account_leaves_other_accounts_alone(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    other = await signup(client)
    for _ in range(app.state.throttle_policy.max_per_account_address):
        await login(client, owner.email, WRONG)

    response = await login(client, other.email, other.password)

    assert response.status_code == 200, response.text


async def test_a_successful_login_resets_the_account_counter_of_its_address(
    app: Any, database: Database, owner: Account
) -> None:
    below_limit = app.state.throttle_policy.max_per_account_address - 1
    address = fixed_address()
    async with client_for(app, address) as client:
        for _ in range(below_limit):
            await login(client, owner.email, WRONG)
        assert (await login(client, owner.email)).status_code == 200
        pair = account_address_key(owner.email, address)
        assert await throttle_failures(database, pair) is None
        for _ in range(below_limit):
            assert_problem(await login(client, owner.email, WRONG), 400, "invalid_grant")

        response = await login(client, owner.email)

    assert response.status_code == 200, response.text


async def test_parallel_guesses_cannot_exceed_the_account_limit(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    """A burst of simultaneous wrong passwords gets no more password checks than a sequence."""
    limit = app.state.throttle_policy.max_per_account_address

    responses = await asyncio.gather(
        *(login(client, owner.email, f"{WRONG} {i}") for i in range(3 * limit))
    )

    statuses = [r.status_code for r in responses]
    assert statuses.count(400) <= limit, statuses
    assert statuses.count(429) == len(statuses) - statuses.count(400), statuses


async def test_an_address_is_locked_after_too_many_failures_across_accounts(
    app: Any, database: Database
) -> None:
    address = fixed_address()
    limit = app.state.throttle_policy.max_per_address
    async with client_for(app, address) as attacker:
        for _ in range(limit):
            assert_problem(
                await login(attacker, unique_email("guess"), WRONG), 400, "invalid_grant"
            )
        assert await throttle_failures(database, address_key(address)) == limit

        response = await login(attacker, unique_email("guess"), WRONG)

    assert_rate_limited(response, app)


async def test_a_locked_address_refuses_even_a_correct_login_but_other_addresses_pass(
    client: httpx.AsyncClient, app: Any, owner: Account
) -> None:
    probe = unique_email("probe")
    async with client_for(app, fixed_address()) as attacker:
        for _ in range(app.state.throttle_policy.max_per_address):
            await login(attacker, unique_email("guess"), WRONG)
        assert_rate_limited(await login(attacker, owner.email, owner.password), app)

    async with client_for(app, fixed_address()) as neighbour:
        unknown = await login(neighbour, probe, WRONG)
        known = await login(neighbour, owner.email, owner.password)

    assert_problem(unknown, 400, "invalid_grant")
    assert known.status_code == 200, known.text


async def test_ipv6_addresses_count_per_64_prefix(app: Any) -> None:
    prefix = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    limit = app.state.throttle_policy.max_per_address
    for n in range(limit):
        async with client_for(app, f"{prefix}::{n + 1:x}") as rotating:
            await login(rotating, unique_email("guess"), WRONG)

    async with client_for(app, f"{prefix}:ffff:ffff:ffff:ffff") as same_subnet:
        response = await login(same_subnet, unique_email("guess"), WRONG)
    async with client_for(app, fixed_address()) as other_subnet:
        other = await login(other_subnet, unique_email("guess"), WRONG)

    assert_rate_limited(response, app)
    assert_problem(other, 400, "invalid_grant")


def test_address_keys() -> None:
    assert address_key("192.0.2.7") == "address:192.0.2.7"
    assert address_key("2001:db8:1:2:3:4:5:6") == "address:2001:db8:1:2::/64"
    assert address_key("not-an-ip") == "address:not-an-ip"
