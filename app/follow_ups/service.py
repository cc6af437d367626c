"""Follow-ups: tasks the practice creates, by hand or as the effect of another change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from app.core import ids
from app.core.db import Db, Row, utcnow
from app.follow_ups.models import follow_ups


async def create_follow_up(
    db: Db,
    workspace_id: str,
    *,
    kind: str,
    title: str,
    due_at: datetime | None,
    person_id: str | None = None,
    interview_id: str | None = None,
    lead_id: str | None = None,
    notes: str | None = None,
) -> Row:
    """Insert an open follow-up in the caller's transaction (effects of a change are written
    with it, never later) and return its row."""
    now = utcnow()
    return await db.one(
        insert(follow_ups)
        .values(
            id=ids.new_id("fup"),
            workspace_id=workspace_id,
            kind=kind,
            title=title,
            notes=notes,
            due_at=due_at,
            person_id=person_id,
            interview_id=interview_id,
            lead_id=lead_id,
            status="open",
            snoozed_until=None,
            completed_at=None,
            channel=None,
            on_time=None,
            created_at=now,
            updated_at=now,
        )
        .returning(*follow_ups.c)
    )
