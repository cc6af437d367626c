"""A follow-up's actions: the four transitions of its state machine, and recording an
interview's thank-you note (which completes its thank-you follow-up).

Transition table (an action on any other status is a 409 `invalid_transition`):

| action     | from                      | to        |
|------------|---------------------------|-----------|
| `complete` | open, snoozed             | done      |
| `snooze`   | open, snoozed             | snoozed   |
| `dismiss`  | open, snoozed             | dismissed |
| `reopen`   | done, snoozed, dismissed  | open      |

Completing a `stay_in_touch` follow-up schedules the next one (`effects`), in its transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from app.core.db import Db, Row, utcnow
from app.core.errors import Conflict
from app.core.etags import require_current
from app.core.lookups import InWorkspace
from app.follow_ups.effects import next_stay_in_touch, thank_you
from app.follow_ups.models import follow_ups
from app.follow_ups.schemas import (
    DEFAULT_TITLES,
    FollowUp,
    FollowUpAction,
    FollowUpComplete,
    FollowUpKind,
    FollowUpStatus,
    ThankYouNote,
)
from app.follow_ups.service import (
    MACHINE,
    PENDING,
    A,
    S,
    invalid_field,
    load_row,
    to_follow_up,
)

# Only the interviews' leaf modules: app.interviews' service imports this one (completing an
# interview writes its thank-you follow-up), never the other way (tests/core/test_import_graph.py).
from app.interviews.lifecycle import InterviewStatus
from app.interviews.models import NO_INTERVIEW, interviews

_c = follow_ups.c
# The interview a thank-you note is recorded for.
_interview = InWorkspace(
    "int",
    select(interviews.c.id, interviews.c.status, interviews.c.person_id, interviews.c.ended_at),
    interviews,
    NO_INTERVIEW,
)


async def _act(
    db: Db, workspace_id: str, follow_up_id: str, action: FollowUpAction, if_match: str | None
) -> Row:
    """Lock the follow-up, check If-Match and the transition; the row as it stands."""
    current = await load_row(db, workspace_id=workspace_id, follow_up_id=follow_up_id, lock=True)
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
        await next_stay_in_touch(
            db,
            workspace_id=row["workspace_id"],
            person_id=row["person_id"],
            completed_at=completed_at,
        )
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
        raise invalid_field("/until", "Must be in the future.", "in_the_past")
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


async def record_thank_you(
    db: Db, *, workspace_id: str, interview_id: str, body: ThankYouNote
) -> FollowUp:
    """Complete the interview's thank-you follow-up with how and when the note went out (one
    is made if none is pending). The interview's row lock makes a concurrent second note wait
    and then see the first."""
    interview = await _interview.load(db, workspace_id, interview_id, lock=True)
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
            _c.status.in_((*PENDING, S.done.value)),
        )
        .order_by(_c.id)
        .with_for_update()
    )
    if any(n["status"] == S.done.value for n in notes):
        raise Conflict(
            "The thank-you note for this interview is already recorded.",
            code="thank_you_already_sent",
        )
    if notes:
        current = notes[0]
    else:  # none pending (dismissed or deleted): one due as completing the interview made it
        title = DEFAULT_TITLES[FollowUpKind.thank_you]
        current = await thank_you(db, workspace_id=workspace_id, interview=interview, title=title)
    completion = FollowUpComplete(completed_at=body.sent_at, channel=body.channel, notes=body.note)
    return to_follow_up(await _complete(db, current, completion))
