"""Interviews (who, when, preparation, outcome) and their lifecycle actions; see `agenda.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, insert, select, update

from app.core import ids
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import FieldError, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.filters import check_range, like_pattern, matches_bound_query, search_text
from app.core.pagination import Page, SortOrder, page_of, sort_keys
from app.core.rows import RowJson
from app.core.stored_documents import DOCUMENT_COLUMNS, StoredDocuments
from app.follow_ups import effects as follow_ups_effects
from app.interviews import lifecycle
from app.interviews.lifecycle import InterviewAction, InterviewStatus
from app.interviews.models import NO_INTERVIEW as NO_INTERVIEW
from app.interviews.models import interviews
from app.interviews.schemas import (
    Interview,
    InterviewComplete,
    InterviewCreate,
    InterviewReflection,
    InterviewSchedule,
)
from app.organisations import service as organisations_service
from app.organisations.models import organisations
from app.organisations.service import ORGANISATION_DOCUMENTS
from app.people.models import people
from app.people.representation import PERSON_DOCUMENTS

ORDERS = {
    "created_at": SortOrder("created_at", (interviews.c.created_at, interviews.c.id)),
    "-created_at": SortOrder(
        "-created_at", (interviews.c.created_at, interviews.c.id), descending=True
    ),
    # Interviews not yet scheduled come last in either direction.
    "scheduled_at": SortOrder(
        "scheduled_at", (interviews.c.scheduled_at, interviews.c.id), nullable=True
    ),
    "-scheduled_at": SortOrder(
        "-scheduled_at",
        (interviews.c.scheduled_at, interviews.c.id),
        descending=True,
        nullable=True,
    ),
}

EXPANDABLE = ("person", "organisation")


# --- expand -----------------------------------------------------------------------------------

_PERSON = "person__"
_ORGANISATION = "organisation__"
# What `Interview` shows (search_text, the longest column, only serves `?q=`; the stored
# document is read by lists only).
_interview_columns = [c for c in interviews.c if c.key not in ("search_text", *DOCUMENT_COLUMNS)]


# The expanded objects come as their stored JSON (`doc`, app.core.rows) and their columns only
# where none comes; their ids always (NULL tells a LEFT JOIN that found nothing).
def _embedded(
    documents: StoredDocuments, prefix: str, hidden: tuple[str, ...]
) -> list[ColumnElement[Any]]:
    shown = [c for c in documents.row_columns if c.key not in hidden]
    return documents.columns(shown, ("id",), prefix)


_person_columns = _embedded(PERSON_DOCUMENTS, _PERSON, ("search_text",))
_organisation_columns = _embedded(
    ORGANISATION_DOCUMENTS, _ORGANISATION, ("search_text", "name_key")
)


def parse_expand(value: str | None) -> frozenset[str]:
    """`?expand=person,organisation`: the related objects to embed; an unknown one is a 422."""
    if not value:
        return frozenset()
    wanted = {part.strip() for part in value.split(",") if part.strip()}
    unknown = sorted(wanted - set(EXPANDABLE))
    if unknown:
        raise ValidationFailed(
            f"Cannot expand {', '.join(f'`{u}`' for u in unknown)}.",
            errors=[
                FieldError(
                    parameter="expand",
                    detail=f"Allowed: {', '.join(EXPANDABLE)} (comma-separated).",
                    code="invalid_expand",
                )
            ],
        )
    return frozenset(wanted)


def _select(expand: frozenset[str], *, stored: bool = False) -> Select[Any]:
    """Interviews of the workspace (bind parameter `workspace_id`), with the expanded objects
    LEFT JOINed into the same row: the statement count stays constant whatever the page size.
    `stored`: with the rows' stored documents (app.core.rows), for pages."""
    workspace_id: Any = bindparam("workspace_id")
    stmt = select(*(_stored_interview_columns if stored else _interview_columns))
    source: Any = interviews
    if "person" in expand:
        stmt = stmt.add_columns(*_person_columns)
        source = source.outerjoin(
            people,
            and_(people.c.id == interviews.c.person_id, people.c.workspace_id == workspace_id),
        )
    if "organisation" in expand:
        stmt = stmt.add_columns(*_organisation_columns)
        source = source.outerjoin(
            organisations,
            and_(
                organisations.c.id == interviews.c.organisation_id,
                organisations.c.workspace_id == workspace_id,
            ),
        )
    return stmt.select_from(source).where(interviews.c.workspace_id == workspace_id)


_ACTIONS = {status.value: lifecycle.allowed_actions(status) for status in InterviewStatus}


def _allowed_actions(row: Mapping[str, Any]) -> list[InterviewAction]:
    return _ACTIONS[row["status"]]


# An interview row, with its LEFT JOINed person and organisation, as `Interview`'s JSON.
INTERVIEW_JSON = RowJson(
    Interview,
    computed={"allowed_actions": _allowed_actions},
    embedded={"person": _PERSON, "organisation": _ORGANISATION},
)
# Stored as written, without expanded objects (a row as written has no embedded columns).
INTERVIEW_DOCUMENTS = StoredDocuments(interviews, INTERVIEW_JSON)
# A list page's rows bring their stored document, and their other columns only without one;
# ids and sort keys always (the next cursor).
_stored_interview_columns = INTERVIEW_DOCUMENTS.columns(_interview_columns, sort_keys(ORDERS))


def to_interview(row: Mapping[str, Any]) -> Interview:
    return Interview.model_validate(INTERVIEW_JSON.data(row))


# --- reads ------------------------------------------------------------------------------------


async def _load(
    db: Db,
    workspace_id: str,
    interview_id: str,
    *,
    lock: bool = False,
    expand: frozenset[str] = frozenset(),
) -> Row:
    if not ids.is_valid(interview_id, "int"):
        raise NotFound(NO_INTERVIEW)
    stmt = _select(expand).where(interviews.c.id == interview_id)
    if lock:
        stmt = stmt.with_for_update(of=interviews)
    return await db.one(stmt, {"workspace_id": workspace_id}, missing=NO_INTERVIEW)


async def get_interview(
    db: Db, *, workspace_id: str, interview_id: str, expand: frozenset[str] = frozenset()
) -> Interview:
    return to_interview(await _load(db, workspace_id, interview_id, expand=expand))


@dataclass(frozen=True, slots=True)
class InterviewFilters:
    status: InterviewStatus | None = None
    person_id: str | None = None
    organisation_id: str | None = None
    scheduled_after: datetime | None = None
    scheduled_before: datetime | None = None
    q: str | None = None


async def list_interviews(
    db: Db,
    *,
    workspace_id: str,
    filters: InterviewFilters,
    order: SortOrder,
    cursor: str | None,
    limit: int,
    expand: frozenset[str] = frozenset(),
) -> Page:
    """A page of interview rows (serialise with `INTERVIEW_JSON`, or `to_interview`)."""
    check_range("scheduled", filters.scheduled_after, filters.scheduled_before)
    params: dict[str, Any] = {"workspace_id": workspace_id}
    present: list[str] = []
    for name in _FILTERS:
        value = getattr(filters, name)
        if value is None or (name == "q" and not value):
            continue
        present.append(name)
        params[name] = like_pattern(value) if name == "q" else value
    after_kind, keyset = order.keyset(cursor, limit)
    stmt = _list_statement(expand, order, after_kind, tuple(present))
    return page_of(await db.records(stmt, params | keyset), order, limit)


_FILTERS = ("status", "person_id", "organisation_id", "scheduled_after", "scheduled_before", "q")


@lru_cache(maxsize=256)
def _list_statement(
    expand: frozenset[str], order: SortOrder, after: str | None, filters: tuple[str, ...]
) -> Select[Any]:
    """One statement per shape, built and compiled once; requests pass only values."""
    c = interviews.c
    conditions: dict[str, ColumnElement[bool]] = {
        "status": c.status == bindparam("status"),
        "person_id": c.person_id == bindparam("person_id"),
        "organisation_id": c.organisation_id == bindparam("organisation_id"),
        "scheduled_after": c.scheduled_at >= bindparam("scheduled_after"),
        "scheduled_before": c.scheduled_at < bindparam("scheduled_before"),
        "q": matches_bound_query(c.search_text, "q"),
    }
    stmt = _select(expand, stored=True).where(*(conditions[f] for f in filters))
    return order.shaped(stmt, after)


# --- create, update, delete -------------------------------------------------------------------


def invalid_field(pointer: str, detail: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError(pointer=pointer, detail=detail, code=code)])


async def _person(db: Db, workspace_id: str, person_id: str) -> Row:
    """The interviewee's id and organisation (a create defaults to it, hence not
    `people.service.ensure_exists`); an unknown person is a 422 at `/person_id`, as there."""
    row = None
    if ids.is_valid(person_id, "per"):
        row = await db.first(
            select(people.c.id, people.c.organisation_id).where(
                people.c.workspace_id == workspace_id, people.c.id == person_id
            )
        )
    if row is None:
        raise invalid_field(
            "/person_id", "No person has that id in this workspace.", "person_not_found"
        )
    return row


def _search_text(values: dict[str, Any]) -> str:
    return search_text(
        *(
            values.get(name)
            for name in (
                "career_field",
                "role_of_interest",
                "notes",
                "observations",
                "research_notes",
                "goals",
            )
        )
    )


def _stored_reflection(reflection: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reflection as stored: validated, without empty parts; null when nothing is left."""
    if reflection is None:
        return None
    cleaned = InterviewReflection.model_validate(reflection).model_dump(exclude_none=True)
    cleaned = {k: v for k, v in cleaned.items() if v != {}}
    return cleaned or None


async def create_interview(db: Db, *, workspace_id: str, body: InterviewCreate) -> Interview:
    person = await _person(db, workspace_id, body.person_id)
    values = body.model_dump(mode="json")
    if "organisation_id" not in body.model_fields_set:
        values["organisation_id"] = person["organisation_id"]
    elif body.organisation_id is not None:
        await organisations_service.ensure_exists(
            db, workspace_id=workspace_id, organisation_id=body.organisation_id
        )
    values["reflection"] = _stored_reflection(values["reflection"])
    now = utcnow()
    values.update(
        id=ids.new_id("int"),
        workspace_id=workspace_id,
        status=InterviewStatus.planned.value,
        scheduled_at=None,
        started_at=None,
        ended_at=None,
        created_at=now,
        updated_at=now,
    )
    values["search_text"] = _search_text(values)
    row = await db.one(
        insert(interviews)
        .values(**INTERVIEW_DOCUMENTS.written(values))
        .returning(*_interview_columns)
    )
    return to_interview(row)


def merge_patch(target: dict[str, Any] | None, patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7396 applied to a stored JSON object: nested objects merge, `null` removes a member."""
    merged = dict(target or {})
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            current = merged.get(key)
            merged[key] = merge_patch(current if isinstance(current, dict) else None, value)
        else:
            merged[key] = value
    return merged


async def update_interview(
    db: Db, *, workspace_id: str, interview_id: str, changes: dict[str, Any], if_match: str | None
) -> Interview:
    current = await _load(db, workspace_id, interview_id, lock=True)
    require_current(if_match, to_interview(current))
    if not changes:
        return to_interview(current)
    values = column_values(changes)
    if "person_id" in values:
        await _person(db, workspace_id, values["person_id"])
    if values.get("organisation_id") is not None:
        await organisations_service.ensure_exists(
            db, workspace_id=workspace_id, organisation_id=values["organisation_id"]
        )
    if "reflection" in values:
        reflection = values["reflection"]
        values["reflection"] = (
            None
            if reflection is None
            else _stored_reflection(merge_patch(current["reflection"], reflection))
        )
    values["updated_at"] = utcnow()
    values["search_text"] = _search_text({**current, **values})
    row = await db.one(
        update(interviews)
        .where(interviews.c.id == current["id"])
        .values(**INTERVIEW_DOCUMENTS.written({**current, **values}, values))
        .returning(*_interview_columns)
    )
    return to_interview(row)


async def delete_interview(
    db: Db, *, workspace_id: str, interview_id: str, if_match: str | None
) -> None:
    """Delete an interview and (by the foreign key's cascade) its agenda."""
    current = await _load(db, workspace_id, interview_id, lock=True)
    require_current(if_match, to_interview(current))
    await db.execute(delete(interviews).where(interviews.c.id == current["id"]))


# --- lifecycle actions --------------------------------------------------------------------------


async def transition(
    db: Db,
    *,
    workspace_id: str,
    interview_id: str,
    action: InterviewAction,
    if_match: str | None,
    body: InterviewSchedule | InterviewComplete | None = None,
) -> Interview:
    """Apply a lifecycle action: 409 `invalid_transition` when the status does not allow it."""
    current = await _load(db, workspace_id, interview_id, lock=True)
    require_current(if_match, to_interview(current))
    status = lifecycle.next_status(InterviewStatus(current["status"]), action)
    values: dict[str, Any] = {"status": status.value}
    if isinstance(body, InterviewSchedule):
        values.update(body.model_dump(mode="json", exclude_unset=True, exclude_none=True))
        values["scheduled_at"] = body.scheduled_at
    elif isinstance(body, InterviewComplete):
        values.update(_actual_times(body, current["duration_minutes"]))
    values["updated_at"] = utcnow()
    row = await db.one(
        update(interviews)
        .where(interviews.c.id == current["id"])
        .values(**INTERVIEW_DOCUMENTS.written({**current, **values}, values))
        .returning(*_interview_columns)
    )
    if action == InterviewAction.complete:
        # The thank-you note and the person's progress, in this same transaction.
        await follow_ups_effects.on_interview_completed(
            db, workspace_id=workspace_id, interview=row
        )
    return to_interview(row)


def _actual_times(body: InterviewComplete, duration_minutes: int) -> dict[str, datetime]:
    ended_at = body.ended_at or utcnow()
    started_at = body.started_at or ended_at - timedelta(minutes=duration_minutes)
    if ended_at < started_at:
        raise invalid_field(
            "/ended_at", "`ended_at` must not precede `started_at`.", "ended_before_started"
        )
    return {"started_at": started_at, "ended_at": ended_at}
