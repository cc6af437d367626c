"""Records for the referral, lead and activity tests, written directly (rows of other packages)
or read back to show what a request changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.core.db import Database
from app.follow_ups.models import follow_ups
from app.people.models import people
from app.referrals.models import referrals
from tests.conftest import Account
from tests.people.factories import insert_interview, insert_organisation, insert_people, person_row

__all__ = ["insert_interview", "insert_organisation"]


def workspace_path(account: Account) -> str:
    workspace_id = account.extra.get("workspace_id") or account.workspace_id
    return f"/v1/workspaces/{workspace_id}"


async def make_person(
    database: Database,
    workspace_id: str,
    name: str = "Grace Hopper",
    *,
    referred_by_id: str | None = None,
    organisation_id: str | None = None,
    created_at: datetime | None = None,
) -> str:
    fields: dict[str, Any] = {
        "display_name": name,
        "referred_by_id": referred_by_id,
        "organisation_id": organisation_id,
        "search_text": name.lower(),
    }
    if created_at is not None:
        fields.update(created_at=created_at, updated_at=created_at)
    row = person_row(workspace_id, **fields)
    await insert_people(database, [row])
    return str(row["id"])


async def snapshot(database: Database, workspace_id: str) -> dict[str, Any]:
    """Everything a referral request may write, to show a refused one changed nothing."""
    db = database.reader()
    return {
        "people": await db.all(
            select(*people.c).where(people.c.workspace_id == workspace_id).order_by(people.c.id)
        ),
        "referrals": await db.all(
            select(*referrals.c)
            .where(referrals.c.workspace_id == workspace_id)
            .order_by(referrals.c.id)
        ),
        "follow_ups": await db.all(
            select(*follow_ups.c)
            .where(follow_ups.c.workspace_id == workspace_id)
            .order_by(follow_ups.c.id)
        ),
    }


async def stored_person(database: Database, person_id: str) -> dict[str, Any]:
    row = await database.reader().first(select(*people.c).where(people.c.id == person_id))
    assert row is not None
    return row


async def stored_follow_ups(database: Database, workspace_id: str) -> list[dict[str, Any]]:
    return await database.reader().all(
        select(*follow_ups.c)
        .where(follow_ups.c.workspace_id == workspace_id)
        .order_by(follow_ups.c.id)
    )


async def count_people(database: Database, workspace_id: str) -> int:
    count = await database.reader().scalar(
        select(func.count()).select_from(people).where(people.c.workspace_id == workspace_id)
    )
    return int(count)
