"""The per-process caller cache: a cached request costs no credential lookup; a revocation
through this process takes effect at once, and in other processes within the TTL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import Account, add_member, assert_problem, bearer, client_for, signup

TTL = 1.0


@pytest.fixture
async def two_processes() -> AsyncIterator[tuple[Any, httpx.AsyncClient, Any, httpx.AsyncClient]]:
    """Two app instances on one database, each with its own cache: two processes behind a load
    balancer, as far as the cache can tell."""
    async with AsyncExitStack() as stack:
        pairs = []
        for _ in range(2):
            app = create_app(Settings(auth_cache_seconds=TTL))
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = await stack.enter_async_context(client_for(app))
            pairs.append((app, client))
        yield pairs[0][0], pairs[0][1], pairs[1][0], pairs[1][1]


async def _key(client: httpx.AsyncClient, owner: Account, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/api-keys",
        json={"name": "cached", "scopes": ["workspaces:read"], **extra},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_cached_caller_costs_one_statement_per_read(two_processes: Any) -> None:
    app, client, _, _ = two_processes
    owner = await signup(client)
    key = await _key(client, owner)
    url = f"/v1/workspaces/{owner.workspace_id}"
    for headers in (bearer(key["secret"]), owner.headers):
        assert (await client.get(url, headers=headers)).status_code == 200  # fills the cache
        before = app.state.database.statement_count
        response = await client.get(url, headers=headers)
        assert response.status_code == 200
        assert app.state.database.statement_count - before == 1


async def test_revocation_is_immediate_here_and_bounded_elsewhere(two_processes: Any) -> None:
    _, here, _, elsewhere = two_processes
    owner = await signup(here)
    key = await _key(here, owner)
    url = f"/v1/workspaces/{owner.workspace_id}"
    for client in (here, elsewhere):  # both processes now trust the key
        assert (await client.get(url, headers=bearer(key["secret"]))).status_code == 200

    revoked = await here.post(f"{url}/api-keys/{key['id']}/revoke", headers=owner.headers)
    assert revoked.status_code == 200

    assert_problem(await here.get(url, headers=bearer(key["secret"])), 401, "invalid_token")
    assert (await elsewhere.get(url, headers=bearer(key["secret"]))).status_code == 200
    await asyncio.sleep(TTL + 0.2)
    assert_problem(await elsewhere.get(url, headers=bearer(key["secret"])), 401, "invalid_token")


async def test_removing_a_member_is_immediate_here_and_bounded_elsewhere(
    two_processes: Any,
) -> None:
    _, here, _, elsewhere = two_processes
    owner = await signup(here)
    coach = await add_member(here, owner, "editor")
    url = f"/v1/workspaces/{owner.workspace_id}"
    for client in (here, elsewhere):
        assert (await client.get(url, headers=coach.headers)).status_code == 200

    removed = await here.delete(f"{url}/members/{coach.extra['member_id']}", headers=owner.headers)
    assert removed.status_code == 204

    assert_problem(await here.get(url, headers=coach.headers), 404, "not_found")
    assert (await elsewhere.get(url, headers=coach.headers)).status_code == 200
    await asyncio.sleep(TTL + 0.2)
    assert_problem(await elsewhere.get(url, headers=coach.headers), 404, "not_found")


async def test_a_role_change_applies_at_once_in_this_process(two_processes: Any) -> None:
    _, client, _, _ = two_processes
    owner = await signup(client)
    coach = await add_member(client, owner, "viewer")
    url = f"/v1/workspaces/{owner.workspace_id}"
    assert_problem(
        await client.patch(url, json={"name": "x"}, headers=coach.headers), 403, "forbidden"
    )
    promoted = await client.patch(
        f"{url}/members/{coach.extra['member_id']}", json={"role": "owner"}, headers=owner.headers
    )
    assert promoted.status_code == 200
    assert (await client.patch(url, json={"name": "x"}, headers=coach.headers)).status_code == 200


async def test_a_cached_key_still_expires_on_time(two_processes: Any) -> None:
    _, client, _, _ = two_processes
    owner = await signup(client)
    expires = datetime.now(UTC) + timedelta(seconds=0.8)
    key = await _key(client, owner, expires_at=expires.isoformat())
    url = f"/v1/workspaces/{owner.workspace_id}"
    assert (await client.get(url, headers=bearer(key["secret"]))).status_code == 200
    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
    assert_problem(await client.get(url, headers=bearer(key["secret"])), 401, "invalid_token")
