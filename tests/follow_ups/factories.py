"""Helpers for the follow-up tests: paths, records made through the API, rows as stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from app.core.db import Database
from app.follow_ups.models import follow_ups
from app.people.models import people
from tests.conftest import Account
from tests.interviews.factories import create_interview, make_person


def workspace_of(account: Account) -> str:
    """The account's own workspace, or the one a member joined."""
    workspace_id: str = account.extra.get("workspace_id") or account.workspace_id
    return workspace_id


def collection(account: Account) -> str:
    return f"/v1/workspaces/{workspace_of(account)}/follow-ups"


def item(account: Account, follow_up_id: str) -> str:
    return f"{collection(account)}/{follow_up_id}"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def create_follow_up(
    client: httpx.AsyncClient, account: Account, **fields: Any
) -> dict[str, Any]:
    fields = {"kind": "custom", **fields}
    response = await client.post(collection(account), json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(
    client: httpx.AsyncClient,
    account: Account,
    follow_up_id: str,
    action: str,
    body: dict[str, Any] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    return await client.post(
        f"{item(account, follow_up_id)}/{action}",
        json=body if body is not None else ({} if action in ("complete",) else None),
        headers={**account.headers, **kwargs.pop("headers", {})},
        **kwargs,
    )


async def stored_follow_ups(database: Database, workspace_id: str) -> list[dict[str, Any]]:
    """The workspace's follow-ups as stored, to show that a refused write changed nothing."""
    return await database.reader().all(
        select(*follow_ups.c)
        .where(follow_ups.c.workspace_id == workspace_id)
        .order_by(follow_ups.c.id)
    )


async def stored_person(database: Database, person_id: str) -> dict[str, Any]:
    row = await database.reader().first(select(*people.c).where(people.c.id == person_id))
    assert row is not None
    return row


async def completed_interview(
    client: httpx.AsyncClient,
    account: Account,
    database: Database,
    *,
    ended_at: str | None = None,
    person_id: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """An interview scheduled and completed through the API (ended at `ended_at`, or now)."""
    workspace_id = workspace_of(account)
    person_id = person_id or await make_person(database, workspace_id)
    interview = await create_interview(client, account, person_id)
    base = f"/v1/workspaces/{workspace_id}/interviews/{interview['id']}"
    schedule = {"scheduled_at": ended_at or "2026-01-05T10:00:00Z"}
    if timezone is not None:
        schedule["timezone"] = timezone
    response = await client.post(f"{base}/schedule", json=schedule, headers=account.headers)
    assert response.status_code == 200, response.text
    body = {} if ended_at is None else {"ended_at": ended_at}
    response = await client.post(f"{base}/complete", json=body, headers=account.headers)
    assert response.status_code == 200, response.text
    completed: dict[str, Any] = response.json()
    return completed


async def thank_you_of(database: Database, interview_id: str) -> list[dict[str, Any]]:
    return await database.reader().all(
        select(*follow_ups.c)
        .where(follow_ups.c.interview_id == interview_id, follow_ups.c.kind == "thank_you")
        .order_by(follow_ups.c.id)
    )
