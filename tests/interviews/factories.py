"""Records other packages own, inserted directly so these tests do not depend on their routes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import insert, select, update

from app.core import ids
from app.core.db import Database, utcnow
from app.interviews.models import agenda_items, interviews
from app.organisations.models import organisations
from app.people.models import people
from app.questions.models import question_banks, questions
from tests.conftest import Account


async def make_organisation(database: Database, workspace_id: str, name: str = "Northwind") -> str:
    now = utcnow()
    organisation_id = ids.new_id("org")
    async with database.transaction() as db:
        await db.execute(
            insert(organisations).values(
                id=organisation_id,
                workspace_id=workspace_id,
                name=name,
                name_key=f"{name.lower()}-{organisation_id}",
                website=None,
                industry="Energy",
                size=None,
                location=None,
                is_target=True,
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


async def make_person(
    database: Database,
    workspace_id: str,
    name: str = "Grace Hopper",
    organisation_id: str | None = None,
) -> str:
    now = utcnow()
    person_id = ids.new_id("per")
    given, _, family = name.partition(" ")
    async with database.transaction() as db:
        await db.execute(
            insert(people).values(
                id=person_id,
                workspace_id=workspace_id,
                given_name=given,
                family_name=family or None,
                display_name=name,
                emails=[],
                phones=[],
                job_title="Engineer",
                organisation_id=organisation_id,
                location=None,
                linkedin_url=None,
                profile_urls=[],
                source=None,
                referred_by_id=None,
                relationship_stage="identified",
                tags=[],
                notes=None,
                may_use_name_as_referral=None,
                open_to_follow_up=None,
                last_contacted_at=None,
                search_text=name.lower(),
                created_at=now,
                updated_at=now,
            )
        )
    return person_id


async def make_bank(
    database: Database, workspace_id: str, texts: list[str], category: str = "background"
) -> list[str]:
    """A workspace's question bank holding `texts`; its question ids. (Tests never add built-in
    banks: the one migration 0003 installs is shared by every test.)"""
    now = utcnow()
    bank_id = ids.new_id("qbk")
    question_ids = [ids.new_id("qst") for _ in texts]
    async with database.transaction() as db:
        await db.execute(
            insert(question_banks).values(
                id=bank_id,
                workspace_id=workspace_id,
                builtin=False,
                name="Bank",
                description=None,
                created_at=now,
                updated_at=now,
            )
        )
        for position, (question_id, text) in enumerate(zip(question_ids, texts, strict=True), 1):
            await db.execute(
                insert(questions).values(
                    id=question_id,
                    bank_id=bank_id,
                    workspace_id=workspace_id,
                    text=text,
                    category=category,
                    position=position,
                    notes=None,
                    created_at=now,
                    updated_at=now,
                )
            )
    return question_ids


async def edit_question(database: Database, question_id: str, text: str) -> None:
    async with database.transaction() as db:
        await db.execute(update(questions).where(questions.c.id == question_id).values(text=text))


async def stored_interview(database: Database, interview_id: str) -> dict[str, Any] | None:

    return await database.reader().first(
        select(*interviews.c).where(interviews.c.id == interview_id)
    )


async def stored_agenda(database: Database, interview_id: str) -> list[tuple[int, str]]:
    """(position, text) of each stored item, in position order."""

    rows = await database.reader().all(
        select(agenda_items.c.position, agenda_items.c.text)
        .where(agenda_items.c.interview_id == interview_id)
        .order_by(agenda_items.c.position, agenda_items.c.id)
    )
    return [(r["position"], r["text"]) for r in rows]


def base(account: Account) -> str:
    """The interviews collection of the account's workspace (a member's: the one they joined)."""
    workspace_id = account.extra.get("workspace_id") or account.workspace_id
    return f"/v1/workspaces/{workspace_id}/interviews"


async def create_interview(
    client: httpx.AsyncClient, account: Account, person_id: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        base(account), json={"person_id": person_id, **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
