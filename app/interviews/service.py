"""Interviews (who, when, preparation, outcome) and their lifecycle actions. What their reads
select (`?expand=`) is in `expand.py`, their agendas in `agenda.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, insert, select, update

from app.core import ids
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import FieldError, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.filters import check_range, like_pattern, matches_bound_query, search_text
from app.core.inserts import new_row
from app.core.pagination import Page, SortOrder, both_ways, page_of, sort_keys
from app.core.rows import RowJson
from app.core.stored_documents import StoredDocuments, document_rows
from app.follow_ups import effects as follow_ups_effects
from app.interviews import lifecycle
from app.interviews.expand import INTERVIEW_COLUMNS, ORGANISATION, PERSON, select_interviews
from app.interviews.expand import parse_expand as parse_expand
from app.interviews.lifecycle import InterviewAction, InterviewStatus
from app.interviews.models import NO_INTERVIEW as NO_INTERVIEW
from app.interviews.models import interviews
from app.interviews.schemas import (
    Interview,
    InterviewComplete,
    InterviewCreate,
    InterviewFilters,
    InterviewReflection,
    InterviewSchedule,
)
from app.organisations import service as organisations_service
from app.people.models import people

ORDERS = {
    **both_ways("created_at", (interviews.c.created_at, interviews.c.id)),
    # Interviews not yet scheduled come last in either direction.
    **both_ways("scheduled_at", (interviews.c.scheduled_at, interviews.c.id), nullable=True),
}


_ACTIONS = {status.value: lifecycle.allowed_actions(status) for status in InterviewStatus}


def _allowed_actions(row: Mapping[str, Any]) -> list[InterviewAction]:
    return _ACTIONS[row["status"]]


# The expanded objects' columns are labelled with these prefixes.
_PREFIXES = {"person": PERSON, "organisation": ORGANISATION}
# An interview row, with its LEFT JOINed person and organisation, as `Interview`'s JSON.
INTERVIEW_JSON = RowJson(
    Interview,
    computed={"allowed_actions": _allowed_actions},
    embedded=_PREFIXES,
)
# Stored as written, without expanded objects (a row as written has no embedded columns).
INTERVIEW_DOCUMENTS = StoredDocuments(interviews, INTERVIEW_JSON)
# A list page's rows bring their stored document, ids and sort keys (the next cursor); their
# other columns only in a second read when a row on the page has no document (`document_rows`).
_stored_interview_columns = INTERVIEW_DOCUMENTS.select_lists(INTERVIEW_COLUMNS, sort_keys(ORDERS))


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
    stmt = select_interviews(expand).where(interviews.c.id == interview_id)
    if lock:
        stmt = stmt.with_for_update(of=interviews)
    return await db.one(stmt, {"workspace_id": workspace_id}, missing=NO_INTERVIEW)


async def get_interview(
    db: Db, *, workspace_id: str, interview_id: str, expand: frozenset[str] = frozenset()
) -> Interview:
    return to_interview(await _load(db, workspace_id, interview_id, expand=expand))


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
    stmts = _list_statements(expand, order, after_kind, tuple(present))
    prefixes = [prefix for name, prefix in _PREFIXES.items() if name in expand]
    rows = await document_rows(db, *stmts, params | keyset, prefixes)
    return page_of(rows, order, limit)


_FILTERS = tuple(InterviewFilters.model_fields)


@lru_cache(maxsize=256)
def _list_statements(
    expand: frozenset[str], order: SortOrder, after: str | None, filters: tuple[str, ...]
) -> tuple[Select[Any], Select[Any]]:
    """The two statements of a shape (documents, whole rows), built and compiled once;
    requests pass only values."""
    c = interviews.c
    conditions: dict[str, ColumnElement[bool]] = {
        "status": c.status == bindparam("status"),
        "person_id": c.person_id == bindparam("person_id"),
        "organisation_id": c.organisation_id == bindparam("organisation_id"),
        "scheduled_after": c.scheduled_at >= bindparam("scheduled_after"),
        "scheduled_before": c.scheduled_at < bindparam("scheduled_before"),
        "q": matches_bound_query(c.search_text, "q"),
    }
    where = [conditions[f] for f in filters]
    documents, whole = _stored_interview_columns
    return (
        order.shaped(select_interviews(expand, documents, documents=True).where(*where), after),
        order.shaped(select_interviews(expand, whole).where(*where), after),
    )


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


# A new interview is planned: not yet scheduled, started nor ended.
_PLANNED: dict[str, Any] = {
    "status": InterviewStatus.planned.value,
    "scheduled_at": None,
    "started_at": None,
    "ended_at": None,
}


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
    values = new_row("int", **values, **_PLANNED, workspace_id=workspace_id)
    values["search_text"] = _search_text(values)
    row = await db.one(
        insert(interviews)
        .values(**INTERVIEW_DOCUMENTS.written(values))
        .returning(*INTERVIEW_COLUMNS)
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
        .returning(*INTERVIEW_COLUMNS)
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
        .returning(*INTERVIEW_COLUMNS)
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
