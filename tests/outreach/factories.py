"""Outreach through the API, and the stored rows a test checks to show what changed."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from app.core.db import Database
from app.interviews.models import interviews
from app.outreach.models import outreach
from app.people.models import people
from tests.conftest import Account


def outreach_url(account: Account) -> str:
    workspace_id = account.extra.get("workspace_id") or account.workspace_id
    return f"/v1/workspaces/{workspace_id}/outreach"


def item_url(account: Account, outreach_id: str) -> str:
    return f"{outreach_url(account)}/{outreach_id}"


async def create_outreach(
    client: httpx.AsyncClient, account: Account, person_id: str, **fields: Any
) -> dict[str, Any]:
    fields = {"person_id": person_id, "channel": "email", **fields}
    response = await client.post(outreach_url(account), json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(
    client: httpx.AsyncClient,
    account: Account,
    outreach_id: str,
    action: str,
    body: dict[str, Any] | None = None,
    if_match: str | None = None,
) -> httpx.Response:
    path = action.replace("_", "-")
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    headers = dict(account.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return await client.post(f"{item_url(account, outreach_id)}/{path}", headers=headers, **kwargs)


async def all_outreach(
    client: httpx.AsyncClient, account: Account, **params: Any
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    query = {"limit": 100, **params}
    for _ in range(20):
        response = await client.get(outreach_url(account), params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["data"])
        if not page["has_more"]:
            return found
        query["cursor"] = page["next_cursor"]
    raise AssertionError("more pages than any test creates")


async def stored_outreach(database: Database, workspace_id: str) -> list[dict[str, Any]]:
    return await database.reader().all(
        select(*outreach.c).where(outreach.c.workspace_id == workspace_id).order_by(outreach.c.id)
    )


async def stored_person(database: Database, person_id: str) -> dict[str, Any]:
    row = await database.reader().first(select(*people.c).where(people.c.id == person_id))
    assert row is not None
    return row


async def stored_interviews(database: Database, person_id: str) -> list[dict[str, Any]]:
    return await database.reader().all(
        select(*interviews.c).where(interviews.c.person_id == person_id).order_by(interviews.c.id)
    )
