"""Creating and reading organisations through the API, for the organisation tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account


def collection(account: Account, workspace_id: str | None = None) -> str:
    return f"/v1/workspaces/{workspace_id or account.workspace_id}/organisations"


async def create_organisation(
    client: httpx.AsyncClient, account: Account, name: str = "Northwind Energy", **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        collection(account), json={"name": name, **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def all_organisations(
    client: httpx.AsyncClient, account: Account, **params: Any
) -> list[dict[str, Any]]:
    """Every organisation of the account's workspace that `params` select, following cursors."""
    found: list[dict[str, Any]] = []
    query = {"limit": 100, **params}
    for _ in range(50):
        response = await client.get(collection(account), params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["data"])
        if not page["has_more"]:
            return found
        query["cursor"] = page["next_cursor"]
    raise AssertionError("more pages than any test creates")
