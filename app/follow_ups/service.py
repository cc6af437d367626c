"""Follow-ups: tasks the practice creates, by hand or as the effect of another change.

Transition table (an action on any other status is a 409 `invalid_transition`):

| action     | from                      | to        |
|------------|---------------------------|-----------|
| `complete` | open, snoozed             | done      |
| `snooze`   | open, snoozed             | snoozed   |
| `dismiss`  | open, snoozed             | dismissed |
| `reopen`   | done, snoozed, dismissed  | open      |

Effects, written in the transaction of the change that causes them (never by a background job):
completing an interview schedules its thank-you note and moves the person forward; completing a
`stay_in_touch` follow-up schedules the next one; giving a person a stay-in-touch interval
schedules the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, select, update

from app.core import ids
from app.core.conditions import filter_conditions
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.pagination import Page, SortOrder, page_of
from app.core.transitions import StateMachine
from app.follow_ups.models import follow_ups
from app.follow_ups.schemas import (
    DEFAULT_TITLES,
    FollowUp,
    FollowUpAction,
    FollowUpComplete,
    FollowUpCreate,
    FollowUpKind,
    FollowUpStatus,
    ThankYouNote,
)

# Only the interviews' leaf modules: app.interviews' service imports this one (completing an
# interview writes its thank-you follow-up), never the other way (tests/core/test_import_graph.py).
from app.interviews.lifecycle import InterviewStatus
from app.interviews.models import NO_INTERVIEW, interviews
from app.leads.models import leads
from app.people.models import people
from app.people.progress import advance_person
from app.people.schemas import RelationshipStage
from app.workspaces.models import workspaces

_NO_FOLLOW_UP = "No follow-up has that id in this workspace."
_c = follow_ups.c

S = FollowUpStatus
A = FollowUpAction
TRANSITIONS: dict[FollowUpAction, tuple[frozenset[FollowUpStatus], FollowUpStatus]] = {
    A.complete: (frozenset({S.open, S.snoozed}), S.done),
    A.snooze: (frozenset({S.open, S.snoozed}), S.snoozed),
    A.dismiss: (frozenset({S.open, S.snoozed}), S.dismissed),
    A.reopen: (frozenset({S.done, S.snoozed, S.dismissed}), S.open),
}
MACHINE = StateMachine("a follow-up", TRANSITIONS)
allowed_actions = MACHINE.allowed_actions
# Not yet done nor dropped: what blocks a second automatic follow-up of the same kind.
_PENDING = (S.open.value, S.snoozed.value)

ORDERS = {
    # Follow-ups without a due time come last in either direction.
    "due_at": SortOrder("due_at", (_c.due_at, _c.id), nullable=True),
    "-due_at": SortOrder("-due_at", (_c.due_at, _c.id), descending=True, nullable=True),
    "created_at": SortOrder("created_at", (_c.created_at, _c.id)),
    "-created_at": SortOrder("-created_at", (_c.created_at, _c.id), descending=True),
}
DEFAULT_SORT = "due_at"


def to_follow_up(row: Mapping[str, Any]) -> FollowUp:
    status = FollowUpStatus(row["status"])
    return FollowUp.model_validate({**row, "allowed_actions": allowed_actions(status)})


def _invalid(pointer: str, detail: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError(pointer=pointer, detail=detail, code=code)])


# --- creating (also for other packages: effects of their changes) ------------------------------


async def create_follow_up(
    db: Db,
    *,
    workspace_id: str,
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


# References in a body: (the foreign key column, id prefix, error code, what it is).
_REFERENCES: dict[str, tuple[Table, str, str, str]] = {
    "person_id": (people, "per", "person_not_found", "person"),
    "interview_id": (interviews, "int", "interview_not_found", "interview"),
    "lead_id": (leads, "led", "lead_not_found", "lead"),
}


async def _reference(db: Db, workspace_id: str, field: str, value: str) -> Row:
    """The referenced record's row (id, and person for an interview); a reference the workspace
    does not have is a 422 at its pointer: a body's reference is input, not a page."""
    table, prefix, code, noun = _REFERENCES[field]
    columns = [table.c.id, *([table.c.person_id] if field == "interview_id" else [])]
    row = None
    if ids.is_valid(value, prefix):
        row = await db.first(
            select(*columns).where(table.c.workspace_id == workspace_id, table.c.id == value)
        )
    if row is None:
        raise _invalid(f"/{field}", f"No {noun} has that id in this workspace.", code)
    return row


async def create(db: Db, *, workspace_id: str, body: FollowUpCreate) -> FollowUp:
    values = body.model_dump()
    for field in _REFERENCES:
        if values[field] is not None:
            found = await _reference(db, workspace_id, field, values[field])
            if field == "interview_id" and values["person_id"] is None:
                values["person_id"] = found["person_id"]
    row = await create_follow_up(
        db,
        workspace_id=workspace_id,
        kind=body.kind.value,
        title=body.title or DEFAULT_TITLES[body.kind],
        due_at=body.due_at,
        person_id=values["person_id"],
        interview_id=values["interview_id"],
        lead_id=values["lead_id"],
        notes=body.notes,
    )
    return to_follow_up(row)


# --- reads --------------------------------------------------------------------------------------


async def _load(db: Db, workspace_id: str, follow_up_id: str, *, lock: bool = False) -> Row:
    if not ids.is_valid(follow_up_id, "fup"):
        raise NotFound(_NO_FOLLOW_UP)
    stmt = select(*_c).where(_c.workspace_id == workspace_id, _c.id == follow_up_id)
    return await db.one(stmt.with_for_update() if lock else stmt, missing=_NO_FOLLOW_UP)


async def get(db: Db, *, workspace_id: str, follow_up_id: str) -> FollowUp:
    return to_follow_up(await _load(db, workspace_id, follow_up_id))


@dataclass(frozen=True, slots=True)
class FollowUpFilters:
    status: FollowUpStatus | None = None
    kind: FollowUpKind | None = None
    person_id: str | None = None
    interview_id: str | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None


async def list_follow_ups(
    db: Db,
    *,
    workspace_id: str,
    filters: FollowUpFilters,
    order: SortOrder,
    cursor: str | None,
    limit: int,
) -> tuple[list[FollowUp], Page]:
    conditions = filter_conditions(_c, filters, time=("due", _c.due_at))
    stmt = select(*_c).where(_c.workspace_id == workspace_id, *conditions)
    page = page_of(await db.all(order.apply(stmt, cursor, limit)), order, limit)
    return [to_follow_up(r) for r in page.rows], page


# --- update, delete -----------------------------------------------------------------------------


async def update_follow_up(
    db: Db, *, workspace_id: str, follow_up_id: str, changes: dict[str, Any], if_match: str | None
) -> FollowUp:
    current = await _load(db, workspace_id, follow_up_id, lock=True)
    require_current(if_match, to_follow_up(current))
    if not changes:
        return to_follow_up(current)
    for field in _REFERENCES:
        if changes.get(field) is not None:
            await _reference(db, workspace_id, field, changes[field])
    row = await db.one(
        update(follow_ups)
        .where(_c.id == current["id"])
        .values(**column_values(changes), updated_at=utcnow())
        .returning(*_c)
    )
    return to_follow_up(row)


async def delete_follow_up(
    db: Db, *, workspace_id: str, follow_up_id: str, if_match: str | None
) -> None:
    current = await _load(db, workspace_id, follow_up_id, lock=True)
    require_current(if_match, to_follow_up(current))
    await db.execute(delete(follow_ups).where(_c.id == current["id"]))


# --- actions ------------------------------------------------------------------------------------


async def _act(
    db: Db, workspace_id: str, follow_up_id: str, action: FollowUpAction, if_match: str | None
) -> Row:
    """Lock the follow-up, check If-Match and the transition; the row as it stands."""
    current = await _load(db, workspace_id, follow_up_id, lock=True)
    require_current(if_match, to_follow_up(current))
    MACHINE.next_status(FollowUpStatus(current["status"]), action)
    return current


async def _set(db: Db, follow_up_id: str, values: dict[str, Any]) -> Row:
    return await db.one(
        update(follow_ups)
        .where(_c.id == follow_up_id)
        .values(**values, updated_at=utcnow())
        .returning(*_c)
    )


async def _complete(db: Db, current: Row, body: FollowUpComplete) -> Row:
    completed_at = body.completed_at or utcnow()
    due_at = current["due_at"]
    values: dict[str, Any] = {
        "status": S.done.value,
        "completed_at": completed_at,
        "snoozed_until": None,
        "channel": None if body.channel is None else body.channel.value,
        "on_time": None if due_at is None else completed_at <= due_at,
    }
    if body.notes is not None:
        values["notes"] = body.notes
    row = await _set(db, current["id"], values)
    if row["kind"] == FollowUpKind.stay_in_touch.value and row["person_id"] is not None:
        await _next_stay_in_touch(db, row["workspace_id"], row["person_id"], completed_at)
    return row


async def complete(
    db: Db, *, workspace_id: str, follow_up_id: str, body: FollowUpComplete, if_match: str | None
) -> FollowUp:
    current = await _act(db, workspace_id, follow_up_id, A.complete, if_match)
    return to_follow_up(await _complete(db, current, body))


async def snooze(
    db: Db, *, workspace_id: str, follow_up_id: str, until: datetime, if_match: str | None
) -> FollowUp:
    current = await _act(db, workspace_id, follow_up_id, A.snooze, if_match)
    if until <= utcnow():
        raise _invalid("/until", "Must be in the future.", "in_the_past")
    values = {"status": S.snoozed.value, "snoozed_until": until, "due_at": until}
    return to_follow_up(await _set(db, current["id"], values))


async def dismiss(
    db: Db, *, workspace_id: str, follow_up_id: str, if_match: str | None
) -> FollowUp:
    current = await _act(db, workspace_id, follow_up_id, A.dismiss, if_match)
    values = {"status": S.dismissed.value, "snoozed_until": None}
    return to_follow_up(await _set(db, current["id"], values))


async def reopen(db: Db, *, workspace_id: str, follow_up_id: str, if_match: str | None) -> FollowUp:
    current = await _act(db, workspace_id, follow_up_id, A.reopen, if_match)
    values = {
        "status": S.open.value,
        "snoozed_until": None,
        "completed_at": None,
        "channel": None,
        "on_time": None,
    }
    return to_follow_up(await _set(db, current["id"], values))


# --- effects of interviews ----------------------------------------------------------------------


async def on_interview_completed(db: Db, *, workspace_id: str, interview: Row) -> None:
    """What completing an interview causes, in its transaction: the thank-you note falls due
    (48 hours after the end by default, the workspace's `thank_you_due_hours`), and the person
    has now been interviewed and contacted. Referrals make their own follow-ups when recorded."""
    hours = await db.scalar(
        select(workspaces.c.thank_you_due_hours).where(workspaces.c.id == workspace_id)
    )
    ended_at: datetime = interview["ended_at"]
    person = await advance_person(
        db,
        workspace_id=workspace_id,
        person_id=interview["person_id"],
        stage=RelationshipStage.interviewed,
        contacted_at=ended_at,
    )
    await create_follow_up(
        db,
        workspace_id=workspace_id,
        kind=FollowUpKind.thank_you.value,
        title=f"Thank {person['display_name']} for the conversation"[:200],
        due_at=ended_at + timedelta(hours=hours),
        person_id=interview["person_id"],
        interview_id=interview["id"],
    )


async def record_thank_you(
    db: Db, *, workspace_id: str, interview_id: str, body: ThankYouNote
) -> FollowUp:
    """Complete the interview's thank-you follow-up with how and when the note went out (one
    is made if none is pending). The interview's row lock makes a concurrent second note wait
    and then see the first."""
    interview = await _load_interview(db, workspace_id, interview_id)
    if interview["status"] != InterviewStatus.completed.value:
        raise Conflict(
            f"The interview is `{interview['status']}`; a thank-you note follows a completed "
            "interview.",
            code="interview_not_completed",
        )
    notes = await db.all(
        select(*_c)
        .where(
            _c.workspace_id == workspace_id,
            _c.interview_id == interview_id,
            _c.kind == FollowUpKind.thank_you.value,
            _c.status.in_((*_PENDING, S.done.value)),
        )
        .order_by(_c.id)
        .with_for_update()
    )
    if any(n["status"] == S.done.value for n in notes):
        raise Conflict(
            "The thank-you note for this interview is already recorded.",
            code="thank_you_already_sent",
        )
    current = notes[0] if notes else await _thank_you_for(db, workspace_id, interview)
    completion = FollowUpComplete(completed_at=body.sent_at, channel=body.channel, notes=body.note)
    return to_follow_up(await _complete(db, current, completion))


async def _load_interview(db: Db, workspace_id: str, interview_id: str) -> Row:
    if not ids.is_valid(interview_id, "int"):
        raise NotFound(NO_INTERVIEW)
    return await db.one(
        select(interviews.c.id, interviews.c.status, interviews.c.person_id, interviews.c.ended_at)
        .where(interviews.c.workspace_id == workspace_id, interviews.c.id == interview_id)
        .with_for_update(),
        missing=NO_INTERVIEW,
    )


async def _thank_you_for(db: Db, workspace_id: str, interview: Row) -> Row:
    """A thank-you follow-up for an interview that has none pending (it was dismissed or
    deleted), due as completing the interview would have made it."""
    hours = await db.scalar(
        select(workspaces.c.thank_you_due_hours).where(workspaces.c.id == workspace_id)
    )
    ended_at: datetime | None = interview["ended_at"]
    return await create_follow_up(
        db,
        workspace_id=workspace_id,
        kind=FollowUpKind.thank_you.value,
        title=DEFAULT_TITLES[FollowUpKind.thank_you],
        due_at=None if ended_at is None else ended_at + timedelta(hours=hours),
        person_id=interview["person_id"],
        interview_id=interview["id"],
    )


# --- staying in touch ---------------------------------------------------------------------------


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
            _c.status.in_(_PENDING),
        )
        .limit(1)
    )
    return pending is not None


async def _next_stay_in_touch(
    db: Db, workspace_id: str, person_id: str, completed_at: datetime
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
        title=f"Stay in touch with {name}"[:200],
        due_at=since + timedelta(days=every_days),
        person_id=person_id,
    )
