"""Time zones are IANA names; files in the system's zone directory that are not zones are not."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Account, assert_problem


@pytest.mark.parametrize(
    "name", ["localtime", "Factory", "posixrules", "Mars/Olympus", "europe/london"]
)
async def test_non_zones_are_refused(client: httpx.AsyncClient, owner: Account, name: str) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    response = await client.patch(url, json={"timezone": name}, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "invalid_timezone"
    assert (await client.get(url, headers=owner.headers)).json()["timezone"] is None


async def test_zones_are_accepted(client: httpx.AsyncClient, owner: Account) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    for name in ("Europe/London", "America/Los_Angeles", "UTC"):
        response = await client.patch(url, json={"timezone": name}, headers=owner.headers)
        assert response.status_code == 200, response.text
        assert response.json()["timezone"] == name
