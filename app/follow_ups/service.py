"""Follow-ups: tasks the practice creates, by hand or as the effect of another change;
their creation, reads, updates and deletion. Their actions are in `actions`, what other changes
cause in `effects`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import Table, delete, insert, select, update

from app.core import ids
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import FieldError, ValidationFailed
from app.core.etags import require_current
from app.core.inserts import new_row
from app.core.listing import filtered_list
from app.core.lookups import InWorkspace
from app.core.pagination import both_ways
from app.core.transitions import StateMachine
from app.follow_ups.models import follow_ups
from app.follow_ups.schemas import (
    DEFAULT_TITLES,
    FollowUp,
    FollowUpAction,
    FollowUpCreate,
    FollowUpStatus,
)

# Only the interviews' leaf modules: app.interviews' service imports this one (completing an
# interview writes its thank-you follow-up), never the other way (tests/core/test_import_graph.py).
from app.interviews.models import interviews
from app.leads.models import leads
from app.people.models import people

_NO_FOLLOW_UP = "No follow-up has that id in this workspace."


_c = follow_ups.c


S = FollowUpStatus


A = FollowUpAction


MACHINE = StateMachine(
    "a follow-up",
    {
        A.complete: ({S.open, S.snoozed}, S.done),
        A.snooze: ({S.open, S.snoozed}, S.snoozed),
        A.dismiss: ({S.open, S.snoozed}, S.dismissed),
        A.reopen: ({S.done, S.snoozed, S.dismissed}, S.open),
    },
)


allowed_actions = MACHINE.allowed_actions
# Not yet done nor dropped: what blocks a second automatic follow-up of the same kind.
PENDING = (S.open.value, S.snoozed.value)


ORDERS = {
    # Follow-ups without a due time come last in either direction.
    **both_ways("due_at", (_c.due_at, _c.id), nullable=True),
    **both_ways("created_at", (_c.created_at, _c.id)),
}


DEFAULT_SORT = "due_at"


def to_follow_up(row: Mapping[str, Any]) -> FollowUp:
    status = FollowUpStatus(row["status"])
    return FollowUp.model_validate({**row, "allowed_actions": allowed_actions(status)})


def invalid_field(pointer: str, detail: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError(pointer=pointer, detail=detail, code=code)])


class About(TypedDict, total=False):
    """What a new follow-up is about, and its notes: each None (NULL) unless given."""

    person_id: str | None
    interview_id: str | None
    lead_id: str | None
    notes: str | None


async def create_follow_up(
    db: Db,
    *,
    workspace_id: str,
    kind: str,
    title: str,
    due_at: datetime | None,
    **about: Unpack[About],
) -> Row:
    """Insert an open follow-up in the caller's transaction (effects of a change are written
    with it, never later) and return its row. The title is cut to the column's 200 characters
    (automatic ones name people); the columns of later actions start NULL."""
    values = new_row(
        "fup",
        workspace_id=workspace_id,
        kind=kind,
        title=title[:200],
        due_at=due_at,
        status="open",
        **about,
    )
    return await db.one(insert(follow_ups).values(values).returning(*follow_ups.c))


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
        raise invalid_field(f"/{field}", f"No {noun} has that id in this workspace.", code)
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


_follow_up = InWorkspace("fup", select(*_c), follow_ups, _NO_FOLLOW_UP)


async def load_row(db: Db, *, workspace_id: str, follow_up_id: str, lock: bool = False) -> Row:
    return await _follow_up.load(db, workspace_id, follow_up_id, lock=lock)


async def get(db: Db, *, workspace_id: str, follow_up_id: str) -> FollowUp:
    return to_follow_up(await load_row(db, workspace_id=workspace_id, follow_up_id=follow_up_id))


# A page of follow-ups, filtered (`FollowUpFilters`) and sorted.
list_follow_ups = filtered_list(follow_ups, to_follow_up, time=("due", _c.due_at))


async def update_follow_up(
    db: Db, *, workspace_id: str, follow_up_id: str, changes: dict[str, Any], if_match: str | None
) -> FollowUp:
    current = await load_row(db, workspace_id=workspace_id, follow_up_id=follow_up_id, lock=True)
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
    current = await load_row(db, workspace_id=workspace_id, follow_up_id=follow_up_id, lock=True)
    require_current(if_match, to_follow_up(current))
    await db.execute(delete(follow_ups).where(_c.id == current["id"]))
