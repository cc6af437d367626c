"""Round trips per request, counted: with the caller cached, a read is one SQL statement and a
create is one transaction, whatever the page size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import bearer, client_for, signup


@pytest.fixture
async def cached() -> AsyncIterator[tuple[Any, httpx.AsyncClient, dict[str, str], str]]:
    """An app whose caller cache is on, a workspace with people, interviews and an API key."""
    app = create_app(Settings(auth_cache_seconds=300))
    async with app.router.lifespan_context(app), client_for(app) as client:
        owner = await signup(client)
        base = f"/v1/workspaces/{owner.workspace_id}"
        key = await client.post(
            f"{base}/api-keys",
            json={
                "name": "bench",
                "scopes": ["people:write", "interviews:write", "organisations:write"],
            },
            headers=owner.headers,
        )
        headers = bearer(key.json()["secret"])
        org = await client.post(f"{base}/organisations", json={"name": "Acme"}, headers=headers)
        for n in range(30):
            person = await client.post(
                f"{base}/people",
                json={
                    "given_name": "P",
                    "family_name": f"F{n}",
                    "organisation_id": org.json()["id"],
                },
                headers=headers,
            )
            assert person.status_code == 201, person.text
            interview = await client.post(
                f"{base}/interviews", json={"person_id": person.json()["id"]}, headers=headers
            )
            assert interview.status_code == 201, interview.text
        yield app, client, headers, base


async def _statements(
    app: Any,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    **kwargs: Any,
) -> tuple[int, httpx.Response]:
    await client.request(method, url, headers=headers, **kwargs)  # warm the caller cache
    before = app.state.database.statement_count
    response = await client.request(method, url, headers=headers, **kwargs)
    assert response.status_code in (200, 304), response.text
    return app.state.database.statement_count - before, response


@pytest.mark.parametrize("limit", [5, 20, 50])
async def test_lists_are_one_statement(cached: Any, limit: int) -> None:
    app, client, headers, base = cached
    for url in (
        f"{base}/people?limit={limit}",
        f"{base}/people?limit={limit}&sort=-last_contacted_at&relationship_stage=identified",
        f"{base}/interviews?limit={limit}&expand=person,organisation",
    ):
        count, response = await _statements(app, client, "GET", url, headers)
        assert count == 1, url
        assert len(response.json()["data"]) == min(limit, 30)


async def test_get_is_one_statement_with_or_without_a_fresh_etag(cached: Any) -> None:
    app, client, headers, base = cached
    person = (await client.get(f"{base}/people?limit=1", headers=headers)).json()["data"][0]
    url = f"{base}/people/{person['id']}"
    count, response = await _statements(app, client, "GET", url, headers)
    assert count == 1
    conditional = {**headers, "If-None-Match": response.headers["etag"]}
    count, response = await _statements(app, client, "GET", url, conditional)
    assert count == 1
    assert response.status_code == 304


async def test_a_create_is_one_transaction(cached: Any) -> None:
    app, client, headers, base = cached
    await client.get(f"{base}/people?limit=1", headers=headers)  # warm the caller cache
    before = app.state.database.transaction_count
    response = await client.post(
        f"{base}/people", json={"given_name": "Once", "family_name": "Only"}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert app.state.database.transaction_count - before == 1
