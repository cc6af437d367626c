"""Outreach: every attempt to reach a person, its lifecycle, and what it does to the person.

Transition table (an action on any other status is a 409 `invalid_transition`):

| action        | from                 | to          |
|---------------|----------------------|-------------|
| `send`        | draft                | sent        |
| `accept`      | sent, no_response    | accepted    |
| `decline`     | sent, no_response    | declined    |
| `no_response` | sent                 | no_response |

A person who stayed silent sometimes answers weeks later, hence `accept` and `decline` from
`no_response`. `accepted` and `declined` are final.

Recording a sent outreach moves the person's `relationship_stage` up to `contacted` and their
`last_contacted_at` up to the sending time; an answer (accept or decline) moves the stage up to
`responded`. Nothing here ever moves a stage backwards or `last_contacted_at` earlier.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, insert, select, update

from app.core import ids
from app.core.db import Db, Row, utcnow
from app.core.errors import Conflict, FieldError, ValidationFailed
from app.core.inserts import new_row
from app.core.listing import filtered_list
from app.core.lookups import InWorkspace
from app.core.pagination import both_ways
from app.core.transitions import StateMachine
from app.interviews import service as interviews_service
from app.interviews.lifecycle import InterviewAction
from app.interviews.models import interviews
from app.interviews.schemas import InterviewCreate
from app.outreach.models import outreach
from app.outreach.schemas import (
    INTERVIEW_FIELDS,
    Outreach,
    OutreachAccept,
    OutreachAction,
    OutreachCreate,
    OutreachInitialStatus,
    OutreachStatus,
)
from app.people import service as people_service
from app.people.progress import advance_person
from app.people.schemas import RelationshipStage
from app.templates import service as templates_service

_NO_OUTREACH = "No outreach has that id in this workspace."
_c = outreach.c

S = OutreachStatus
A = OutreachAction
MACHINE = StateMachine(
    "an outreach",
    {
        A.send: ({S.draft}, S.sent),
        A.accept: ({S.sent, S.no_response}, S.accepted),
        A.decline: ({S.sent, S.no_response}, S.declined),
        A.no_response: ({S.sent}, S.no_response),
    },
)
allowed_actions = MACHINE.allowed_actions
next_status = MACHINE.next_status

ORDERS = {
    **both_ways("created_at", (_c.created_at, _c.id)),
    # Drafts (never sent) come last in either direction.
    **both_ways("sent_at", (_c.sent_at, _c.id), nullable=True),
}


def _to_outreach(row: Mapping[str, Any]) -> Outreach:
    return Outreach.model_validate(
        {**row, "allowed_actions": allowed_actions(OutreachStatus(row["status"]))}
    )


def _invalid(pointer: str, detail: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError(pointer=pointer, detail=detail, code=code)])


_outreach = InWorkspace("out", select(*_c), outreach, _NO_OUTREACH)


# --- reads --------------------------------------------------------------------------------------


# A page of outreach, filtered (`OutreachFilters`) and sorted.
list_outreach = filtered_list(outreach, _to_outreach, time=("sent", _c.sent_at))


async def get_outreach(db: Db, *, workspace_id: str, outreach_id: str) -> Outreach:
    return _to_outreach(await _outreach.load(db, workspace_id, outreach_id))


# --- create, update, delete ---------------------------------------------------------------------


async def _check_references(
    db: Db, workspace_id: str, person_id: str, values: dict[str, Any]
) -> None:
    """Every id the body names must be the workspace's (422 at its pointer otherwise)."""
    introducer = values.get("introduced_by_id")
    if introducer is not None:
        await people_service.ensure_exists(
            db, workspace_id=workspace_id, person_id=introducer, pointer="/introduced_by_id"
        )
        if introducer == person_id:
            raise _invalid(
                "/introduced_by_id",
                "A person cannot introduce the seeker to themselves.",
                "self_introduction",
            )
    if values.get("template_id") is not None:
        await templates_service.ensure_visible(
            db, workspace_id=workspace_id, template_id=values["template_id"], pointer="/template_id"
        )
    interview_id = values.get("interview_id")
    if interview_id is not None:
        found = ids.is_valid(interview_id, "int") and (
            await db.first(
                select(interviews.c.id).where(
                    interviews.c.workspace_id == workspace_id,
                    interviews.c.id == interview_id,
                    interviews.c.person_id == person_id,
                )
            )
            is not None
        )
        if not found:
            raise _invalid(
                "/interview_id",
                "No interview with this person has that id in this workspace.",
                "interview_not_found",
            )


async def create_outreach(db: Db, *, workspace_id: str, body: OutreachCreate) -> Outreach:
    await people_service.ensure_exists(db, workspace_id=workspace_id, person_id=body.person_id)
    values = body.model_dump(mode="json", exclude={"status", "sent_at"})
    await _check_references(db, workspace_id, body.person_id, values)
    sent = body.status is OutreachInitialStatus.sent
    if not sent and body.sent_at is not None:
        raise _invalid(
            "/sent_at", "A draft has no `sent_at`; create it with status `sent`.", "draft_sent_at"
        )
    now = utcnow()
    sent_at = (body.sent_at or now) if sent else None
    values = new_row(
        "out",
        now=now,
        **values,
        workspace_id=workspace_id,
        status=body.status.value,
        sent_at=sent_at,
    )
    row = await db.one(insert(outreach).values(values).returning(*_c))
    if sent_at is not None:
        await advance_person(
            db,
            workspace_id=workspace_id,
            person_id=body.person_id,
            stage=RelationshipStage.contacted,
            contacted_at=sent_at,
        )
    return _to_outreach(row)


async def _save(db: Db, current: Row, **values: Any) -> Outreach:
    """The record with `values` written (an edit or an action's new status)."""
    row = await db.one(
        update(outreach)
        .where(_c.id == current["id"])
        .values(**values, updated_at=utcnow())
        .returning(*_c)
    )
    return _to_outreach(row)


async def update_outreach(
    db: Db, *, workspace_id: str, outreach_id: str, changes: dict[str, Any], if_match: str | None
) -> Outreach:
    current = await _outreach.for_change(db, workspace_id, outreach_id, if_match, _to_outreach)
    if not changes:
        return _to_outreach(current)
    values = {k: v.value if isinstance(v, Enum) else v for k, v in changes.items()}
    await _check_references(db, workspace_id, current["person_id"], values)
    return await _save(db, current, **values)


async def delete_outreach(
    db: Db, *, workspace_id: str, outreach_id: str, if_match: str | None
) -> None:
    """Delete the record only: the person's stage and last contact stay (they never go back)."""
    current = await _outreach.for_change(db, workspace_id, outreach_id, if_match, _to_outreach)
    await db.execute(delete(outreach).where(_c.id == current["id"]))


# --- actions ------------------------------------------------------------------------------------


async def _begin(
    db: Db, workspace_id: str, outreach_id: str, action: OutreachAction, if_match: str | None
) -> tuple[Row, OutreachStatus]:
    current = await _outreach.for_change(db, workspace_id, outreach_id, if_match, _to_outreach)
    return current, next_status(OutreachStatus(current["status"]), action)


def _response_time(current: Row, responded_at: datetime | None) -> datetime:
    responded_at = responded_at or utcnow()
    if current["sent_at"] is not None and responded_at < current["sent_at"]:
        # 409, not 422: the body is valid on its own; it conflicts with the stored `sent_at`.
        detail = "`responded_at` must not precede the attempt's `sent_at`."
        raise Conflict(
            detail,
            code="responded_before_sent",
            errors=[
                FieldError(pointer="/responded_at", detail=detail, code="responded_before_sent")
            ],
        )
    return responded_at


async def send(
    db: Db, *, workspace_id: str, outreach_id: str, sent_at: datetime | None, if_match: str | None
) -> Outreach:
    current, status = await _begin(db, workspace_id, outreach_id, A.send, if_match)
    sent_at = sent_at or utcnow()
    await advance_person(
        db,
        workspace_id=workspace_id,
        person_id=current["person_id"],
        stage=RelationshipStage.contacted,
        contacted_at=sent_at,
    )
    return await _save(db, current, status=status.value, sent_at=sent_at)


async def record_no_response(
    db: Db, *, workspace_id: str, outreach_id: str, if_match: str | None
) -> Outreach:
    current, status = await _begin(db, workspace_id, outreach_id, A.no_response, if_match)
    return await _save(db, current, status=status.value)


async def decline(
    db: Db,
    *,
    workspace_id: str,
    outreach_id: str,
    responded_at: datetime | None,
    if_match: str | None,
) -> Outreach:
    """The person said no: they answered, so they reached `responded` all the same."""
    current, status = await _begin(db, workspace_id, outreach_id, A.decline, if_match)
    responded_at = _response_time(current, responded_at)
    await advance_person(
        db,
        workspace_id=workspace_id,
        person_id=current["person_id"],
        stage=RelationshipStage.responded,
    )
    return await _save(db, current, status=status.value, responded_at=responded_at)


def _interview_fields(body: OutreachAccept) -> dict[str, Any]:
    """The interview fields the client sent (an omitted `organisation_id` defaults to the
    person's organisation in `create_interview`; a null duration means the default)."""
    fields = {k: getattr(body, k) for k in INTERVIEW_FIELDS if k in body.model_fields_set}
    if fields.get("duration_minutes", 0) is None:
        del fields["duration_minutes"]
    if fields and not body.create_interview:
        raise _invalid(
            "/create_interview",
            "Interview fields were sent with `create_interview: false`.",
            "interview_fields_unused",
        )
    return fields


async def accept(
    db: Db, *, workspace_id: str, outreach_id: str, body: OutreachAccept, if_match: str | None
) -> Outreach:
    """The person said yes: record it, move them to `responded` and (by default) create the
    `requested` interview and link it, all in the caller's one transaction."""
    current, status = await _begin(db, workspace_id, outreach_id, A.accept, if_match)
    responded_at = _response_time(current, body.responded_at)
    fields = _interview_fields(body)
    await advance_person(
        db,
        workspace_id=workspace_id,
        person_id=current["person_id"],
        stage=RelationshipStage.responded,
    )
    interview_id = current["interview_id"]
    if body.create_interview and interview_id is None:
        # A failure here (a foreign organisation, say) rolls back the stage move above too.
        interview = await interviews_service.create_interview(
            db,
            workspace_id=workspace_id,
            body=InterviewCreate(person_id=current["person_id"], **fields),
        )
        await interviews_service.transition(
            db,
            workspace_id=workspace_id,
            interview_id=interview.id,
            action=InterviewAction.request,
            if_match=None,
        )
        interview_id = interview.id
    return await _save(
        db, current, status=status.value, responded_at=responded_at, interview_id=interview_id
    )
