"""Templates through the API, and rows written directly when a test needs a template the API
would refuse (one stored before a placeholder was withdrawn, say)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import insert, select

from app.core import ids
from app.core.db import Database, utcnow
from app.templates.models import templates
from tests.conftest import Account


def templates_url(account: Account) -> str:
    workspace_id = account.extra.get("workspace_id") or account.workspace_id
    return f"/v1/workspaces/{workspace_id}/templates"


def template_url(account: Account, template_id: str) -> str:
    return f"{templates_url(account)}/{template_id}"


async def create_template(
    client: httpx.AsyncClient, account: Account, **fields: Any
) -> dict[str, Any]:
    fields = {
        "kind": "cold_email",
        "name": "Short ask",
        "subject": "Hello {{person.given_name}}",
        "body": "Dear {{ person.given_name }},\n\n15 minutes?\n\n{{me.name}}",
        **fields,
    }
    response = await client.post(templates_url(account), json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def all_templates(
    client: httpx.AsyncClient, account: Account, **params: Any
) -> list[dict[str, Any]]:
    """Every template the list selects, following cursors (bounded)."""
    found: list[dict[str, Any]] = []
    query = {"limit": 100, **params}
    for _ in range(20):
        response = await client.get(templates_url(account), params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["data"])
        if not page["has_more"]:
            return found
        query["cursor"] = page["next_cursor"]
    raise AssertionError("more pages than any test creates")


async def stored_templates(database: Database, workspace_id: str) -> list[dict[str, Any]]:
    return await database.reader().all(
        select(*templates.c)
        .where(templates.c.workspace_id == workspace_id)
        .order_by(templates.c.id)
    )


async def insert_template(
    database: Database, workspace_id: str, subject: str | None, body: str
) -> str:
    now = utcnow()
    template_id = ids.new_id("tpl")
    async with database.transaction() as db:
        await db.execute(
            insert(templates).values(
                id=template_id,
                workspace_id=workspace_id,
                builtin=False,
                kind="cold_email",
                name="Stored long ago",
                subject=subject,
                body=body,
                created_at=now,
                updated_at=now,
            )
        )
    return template_id
