"""What other changes cause, written in the transaction of the change that causes them (never
by a background job): completing an interview schedules its thank-you note and moves the person
forward; completing a `stay_in_touch` follow-up schedules the next one; giving a person a
stay-in-touch interval schedules the first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.core.db import Db, Row, utcnow
from app.follow_ups.models import follow_ups
from app.follow_ups.schemas import FollowUpKind
from app.follow_ups.service import PENDING, create_follow_up
from app.people.models import people
from app.people.progress import advance_person
from app.people.schemas import RelationshipStage
from app.workspaces.models import workspaces

_c = follow_ups.c


async def on_interview_completed(db: Db, *, workspace_id: str, interview: Row) -> None:
    """What completing an interview causes, in its transaction: the person has now been
    interviewed and contacted, and the thank-you note falls due. Referrals make their own
    follow-ups when recorded."""
    person = await advance_person(
        db,
        workspace_id=workspace_id,
        person_id=interview["person_id"],
        stage=RelationshipStage.interviewed,
        contacted_at=interview["ended_at"],
    )
    title = f"Thank {person['display_name']} for the conversation"
    await thank_you(db, workspace_id=workspace_id, interview=interview, title=title)


async def thank_you(db: Db, *, workspace_id: str, interview: Row, title: str) -> Row:
    """The thank-you follow-up of a completed interview, due the workspace's
    `thank_you_due_hours` (48 by default) after its end (with no due time if that is unknown)."""
    hours = await db.scalar(
        select(workspaces.c.thank_you_due_hours).where(workspaces.c.id == workspace_id)
    )
    ended_at: datetime | None = interview["ended_at"]
    return await create_follow_up(
        db,
        workspace_id=workspace_id,
        kind=FollowUpKind.thank_you.value,
        title=title,
        due_at=None if ended_at is None else ended_at + timedelta(hours=hours),
        person_id=interview["person_id"],
        interview_id=interview["id"],
    )


async def schedule_stay_in_touch(
    db: Db, *, workspace_id: str, person_id: str, display_name: str, every_days: int
) -> None:
    """A person was given a stay-in-touch interval: the first follow-up falls due that many days
    from now, unless one is already pending (the new interval then applies from its completion)."""
    if not await _stay_in_touch_pending(db, workspace_id, person_id):
        await _stay_in_touch(db, workspace_id, person_id, display_name, utcnow(), every_days)


async def _stay_in_touch_pending(db: Db, workspace_id: str, person_id: str) -> bool:
    pending = await db.first(
        select(_c.id)
        .where(
            _c.workspace_id == workspace_id,
            _c.person_id == person_id,
            _c.kind == FollowUpKind.stay_in_touch.value,
            _c.status.in_(PENDING),
        )
        .limit(1)
    )
    return pending is not None


async def next_stay_in_touch(
    db: Db, *, workspace_id: str, person_id: str, completed_at: datetime
) -> None:
    """A stay-in-touch follow-up was done: the next falls due the person's interval later
    (unless another is already pending)."""
    person = await db.first(
        select(people.c.display_name, people.c.stay_in_touch_every_days).where(
            people.c.workspace_id == workspace_id, people.c.id == person_id
        )
    )
    if person is None or person["stay_in_touch_every_days"] is None:
        return
    if await _stay_in_touch_pending(db, workspace_id, person_id):
        return
    await _stay_in_touch(
        db,
        workspace_id,
        person_id,
        person["display_name"],
        completed_at,
        person["stay_in_touch_every_days"],
    )


async def _stay_in_touch(
    db: Db, workspace_id: str, person_id: str, name: str, since: datetime, every_days: int
) -> None:
    await create_follow_up(
        db,
        workspace_id=workspace_id,
        kind=FollowUpKind.stay_in_touch.value,
        title=f"Stay in touch with {name}",
        due_at=since + timedelta(days=every_days),
        person_id=person_id,
    )
