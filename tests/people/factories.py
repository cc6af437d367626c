"""Creating and reading people for the people tests: through the API, or rows written directly
when a test needs hundreds of them or records of other resources (organisations, interviews)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import insert, select

from app.core import ids
from app.core.db import Database, utcnow
from app.interviews.models import interviews
from app.organisations.models import organisations
from app.people.models import people
from tests.conftest import Account


def collection(account: Account, workspace_id: str | None = None) -> str:
    return f"/v1/workspaces/{workspace_id or account.workspace_id}/people"


def item(account: Account, person_id: str) -> str:
    return f"{collection(account)}/{person_id}"


async def create_person(
    client: httpx.AsyncClient, account: Account, **fields: Any
) -> dict[str, Any]:
    fields = {"given_name": "Grace", "family_name": "Hopper", **fields}
    response = await client.post(collection(account), json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def all_people(
    client: httpx.AsyncClient, account: Account, path: str | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Every person the list at `path` (default: the workspace's people) selects, following
    cursors."""
    found: list[dict[str, Any]] = []
    query = {"limit": 100, **params}
    for _ in range(50):
        response = await client.get(
            path or collection(account), params=query, headers=account.headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["data"])
        if not page["has_more"]:
            return found
        query["cursor"] = page["next_cursor"]
    raise AssertionError("more pages than any test creates")


async def stored_people(database: Database, workspace_id: str) -> list[dict[str, Any]]:
    """The workspace's rows as stored (with `search_text`), to show a refused write changed
    nothing."""
    return await database.reader().all(
        select(*people.c).where(people.c.workspace_id == workspace_id).order_by(people.c.id)
    )


def person_row(workspace_id: str, **fields: Any) -> dict[str, Any]:
    """Every column of a `people` row, for direct inserts."""
    now = utcnow()
    row: dict[str, Any] = {
        "id": ids.new_id("per"),
        "workspace_id": workspace_id,
        "given_name": None,
        "family_name": None,
        "display_name": "Someone",
        "emails": [],
        "phones": [],
        "job_title": None,
        "organisation_id": None,
        "location": None,
        "linkedin_url": None,
        "profile_urls": [],
        "source": None,
        "referred_by_id": None,
        "relationship_stage": "identified",
        "tags": [],
        "notes": None,
        "may_use_name_as_referral": None,
        "open_to_follow_up": None,
        "last_contacted_at": None,
        "search_text": "someone",
        "created_at": now,
        "updated_at": now,
    }
    row.update(fields)
    return row


async def insert_people(database: Database, rows: list[dict[str, Any]]) -> None:
    async with database.transaction() as db:
        await db.execute(insert(people).values(rows))


async def insert_organisation(
    database: Database, workspace_id: str, name: str = "Northwind Energy"
) -> str:
    now = utcnow()
    organisation_id = ids.new_id("org")
    async with database.transaction() as db:
        await db.execute(
            insert(organisations).values(
                id=organisation_id,
                workspace_id=workspace_id,
                name=name,
                name_key=name.lower(),
                website=None,
                industry=None,
                size=None,
                location=None,
                is_target=False,
                target_rank=None,
                why_interested=None,
                culture=None,
                strengths=None,
                recent_news=None,
                competitors=None,
                position_in_field=None,
                notes=None,
                tags=[],
                search_text=name.lower(),
                created_at=now,
                updated_at=now,
            )
        )
    return organisation_id


async def insert_interview(
    database: Database, workspace_id: str, person_id: str, scheduled_at: datetime | None = None
) -> str:
    now = utcnow()
    interview_id = ids.new_id("int")
    async with database.transaction() as db:
        await db.execute(
            insert(interviews).values(
                id=interview_id,
                workspace_id=workspace_id,
                person_id=person_id,
                organisation_id=None,
                career_field=None,
                role_of_interest=None,
                format=None,
                location=None,
                meeting_url=None,
                scheduled_at=scheduled_at,
                timezone=None,
                duration_minutes=15,
                started_at=None,
                ended_at=None,
                status="planned",
                introduction=None,
                research_notes=None,
                goals=None,
                notes=None,
                observations=None,
                reflection=None,
                would_pursue=None,
                business_card_received=None,
                may_contact_again=None,
                search_text="",
                created_at=now,
                updated_at=now,
            )
        )
    return interview_id


async def interview_ids(database: Database, person_id: str) -> list[str]:
    rows = await database.reader().all(
        select(interviews.c.id).where(interviews.c.person_id == person_id)
    )
    return [r["id"] for r in rows]
