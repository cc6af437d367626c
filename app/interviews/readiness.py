"""`GET …/interviews/{interview_id}/readiness`: is the seeker prepared for this interview?

A checklist drawn from the practice (shared/domain.md, "Prepare"): a short introduction, 3 to 6
open-ended questions worded well, the organisation researched, the logistics settled, and the
referrer's permission recorded before their name is used.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import ids
from app.core.db import Db, Row
from app.core.dependencies import SnapshotDb
from app.core.errors import NotFound
from app.core.responses import item_response
from app.core.routing import CheckedRoute
from app.interviews.models import agenda_items, interviews
from app.interviews.service import NO_INTERVIEW
from app.organisations.models import organisations
from app.people.models import people
from app.questions.lint import lint_question

# Practitioners prepare 3 to 6 open-ended questions.
AGENDA_MIN, AGENDA_MAX = 3, 6
# Research fields of an organisation; at least this many filled counts as researched.
RESEARCH_FIELDS = (
    "why_interested",
    "culture",
    "strengths",
    "recent_news",
    "competitors",
    "position_in_field",
)
RESEARCH_MIN = 2


class ReadinessCheck(StrEnum):
    """A checklist item's id; stable."""

    introduction_written = "introduction_written"
    agenda_size = "agenda_size"
    no_question_warnings = "no_question_warnings"
    organisation_researched = "organisation_researched"
    logistics_set = "logistics_set"
    referrer_permission = "referrer_permission"


class ReadinessItem(BaseModel):
    id: ReadinessCheck
    label: str = Field(description="What the item checks, in English.")
    passed: bool
    detail: str = Field(description="Why it passed or what is missing, in English.")


class InterviewReadiness(BaseModel):
    """The preparation checklist for one interview, computed when read."""

    object: Literal["interview_readiness"] = "interview_readiness"
    interview_id: str
    ready: bool = Field(description="True when every item passed.")
    score: int = Field(ge=0, le=100, description="The share of items passed, in percent, rounded.")
    items: list[ReadinessItem] = Field(description="Every item, always in the same order.")


router = APIRouter(
    route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}/interviews", tags=["interviews"]
)

_referrer = people.alias("referrer")
_person = people.alias("person")


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _item(check: ReadinessCheck, label: str, passed: bool, detail: str) -> ReadinessItem:
    return ReadinessItem(id=check, label=label, passed=passed, detail=detail)


def _introduction(row: Row) -> ReadinessItem:
    written = _filled(row["introduction"])
    detail = "Written." if written else "Write a 15–30 second introduction of yourself."
    return _item(ReadinessCheck.introduction_written, "Introduction written", written, detail)


def _agenda_size(count: int) -> ReadinessItem:
    passed = AGENDA_MIN <= count <= AGENDA_MAX
    detail = f"{count} question{'' if count == 1 else 's'} on the agenda"
    if not passed:
        detail += f"; prepare {AGENDA_MIN} to {AGENDA_MAX}"
    label = f"{AGENDA_MIN}–{AGENDA_MAX} questions prepared"
    return _item(ReadinessCheck.agenda_size, label, passed, detail + ".")


def _question_warnings(agenda: list[Row]) -> ReadinessItem:
    flagged = [r["position"] for r in agenda if lint_question(r["text"])]
    if flagged:
        detail = "Agenda items with warnings, by position: " + ", ".join(map(str, flagged)) + "."
    else:
        detail = "No agenda item has a warning."
    label = "No question warnings"
    return _item(ReadinessCheck.no_question_warnings, label, not flagged, detail)


def _research(row: Row) -> ReadinessItem:
    label = "Organisation researched"
    if row["org_id"] is None:
        return _item(ReadinessCheck.organisation_researched, label, False, "No organisation.")
    filled = [f for f in RESEARCH_FIELDS if _filled(row[f"org_{f}"])]
    passed = len(filled) >= RESEARCH_MIN
    detail = f"{len(filled)} of {len(RESEARCH_FIELDS)} research fields filled"
    detail += "." if passed else f"; fill at least {RESEARCH_MIN}."
    return _item(ReadinessCheck.organisation_researched, label, passed, detail)


def _logistics(row: Row) -> ReadinessItem:
    label = "Time and place or link set"
    missing = []
    if row["scheduled_at"] is None:
        missing.append("a scheduled time")
    fmt = row["format"]
    if fmt == "in_person" and not _filled(row["location"]):
        missing.append("a location")
    elif fmt == "video" and not _filled(row["meeting_url"]):
        missing.append("a meeting URL")
    elif fmt is None and not (_filled(row["location"]) or _filled(row["meeting_url"])):
        missing.append("a format, location or meeting URL")
    if missing:
        return _item(
            ReadinessCheck.logistics_set, label, False, "Missing " + ", ".join(missing) + "."
        )
    return _item(ReadinessCheck.logistics_set, label, True, "Time and place are set.")


def _referrer_permission(row: Row) -> ReadinessItem:
    label = "Permission to use the referrer's name recorded"
    if row["referred_by_id"] is None:
        detail = "The person was not referred."
        return _item(ReadinessCheck.referrer_permission, label, True, detail)
    if row["referrer_permission"] is None:
        detail = "Ask the referrer whether you may use their name, and record the answer."
        return _item(ReadinessCheck.referrer_permission, label, False, detail)
    allowed = "may" if row["referrer_permission"] else "may not"
    detail = f"Recorded: you {allowed} use the referrer's name."
    return _item(ReadinessCheck.referrer_permission, label, True, detail)


async def interview_readiness(
    db: Db, *, workspace_id: str, interview_id: str
) -> InterviewReadiness:
    """Two statements: the interview with its organisation, person and referrer; its agenda."""
    if not ids.is_valid(interview_id, "int"):
        raise NotFound(NO_INTERVIEW)
    research = [organisations.c[f].label(f"org_{f}") for f in RESEARCH_FIELDS]
    stmt = (
        select(
            interviews.c.id,
            interviews.c.introduction,
            interviews.c.scheduled_at,
            interviews.c.format,
            interviews.c.location,
            interviews.c.meeting_url,
            organisations.c.id.label("org_id"),
            *research,
            _person.c.referred_by_id,
            _referrer.c.may_use_name_as_referral.label("referrer_permission"),
        )
        .select_from(interviews)
        .join(_person, _person.c.id == interviews.c.person_id)
        .outerjoin(
            organisations,
            (organisations.c.id == interviews.c.organisation_id)
            & (organisations.c.workspace_id == workspace_id),
        )
        .outerjoin(
            _referrer,
            (_referrer.c.id == _person.c.referred_by_id)
            & (_referrer.c.workspace_id == workspace_id),
        )
        .where(interviews.c.workspace_id == workspace_id, interviews.c.id == interview_id)
    )
    row = await db.one(stmt, missing=NO_INTERVIEW)
    agenda = await db.all(
        select(agenda_items.c.position, agenda_items.c.text).where(
            agenda_items.c.workspace_id == workspace_id,
            agenda_items.c.interview_id == interview_id,
        )
    )
    items = [
        _introduction(row),
        _agenda_size(len(agenda)),
        _question_warnings(sorted(agenda, key=lambda r: r["position"])),
        _research(row),
        _logistics(row),
        _referrer_permission(row),
    ]
    passed = sum(item.passed for item in items)
    return InterviewReadiness(
        interview_id=interview_id,
        ready=passed == len(items),
        score=round(100 * passed / len(items)),
        items=items,
    )


@router.get(
    "/{interview_id}/readiness",
    operation_id="interviews_readiness",
    response_model=InterviewReadiness,
    summary="Check how well prepared the seeker is for an interview",
    description="A checklist (introduction, 3–6 questions, no question warnings, organisation "
    "researched, logistics, referrer's permission) with a score; computed when read.",
)
async def readiness(
    request: Request,
    access: Annotated[WorkspaceAccess, workspace_scope("interviews:read")],
    interview_id: Annotated[str, Path(description="The interview's id (`int_…`).")],
    db: SnapshotDb,
) -> Response:
    checklist = await interview_readiness(
        db, workspace_id=access.workspace_id, interview_id=interview_id
    )
    return item_response(request, checklist)
