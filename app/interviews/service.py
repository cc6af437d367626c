"""Interviews (who, when, preparation, outcome), their lifecycle actions and their agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, insert, select, update

from app.core import ids, positions
from app.core.db import Db, Row, utcnow
from app.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.filters import matches_query, search_text
from app.core.pagination import Page, SortOrder, page_of
from app.interviews import lifecycle
from app.interviews.lifecycle import InterviewAction, InterviewStatus
from app.interviews.models import agenda_items, interviews
from app.interviews.schemas import (
    MAX_AGENDA_ITEMS,
    AgendaItem,
    AgendaItemCreate,
    Interview,
    InterviewComplete,
    InterviewCreate,
    InterviewReflection,
    InterviewSchedule,
)
from app.organisations import service as organisations_service
from app.organisations.models import organisations
from app.organisations.schemas import Organisation
from app.people.models import people
from app.people.schemas import Person
from app.questions.service import questions_for_agenda

_NO_INTERVIEW = "No interview has that id in this workspace."
_NO_ITEM = "No agenda item has that id in this interview."

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
AGENDA_ORDER = SortOrder("position", (agenda_items.c.position, agenda_items.c.id))

EXPANDABLE = ("person", "organisation")


# --- expand -----------------------------------------------------------------------------------

_PERSON = "person__"
_ORGANISATION = "organisation__"
_person_columns = [c.label(_PERSON + c.key) for c in people.c if c.key != "search_text"]
_organisation_columns = [
    c.label(_ORGANISATION + c.key)
    for c in organisations.c
    if c.key not in ("search_text", "name_key")
]


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


def _select(workspace_id: str, expand: frozenset[str]) -> Select[Any]:
    """Interviews of the workspace, with the expanded objects LEFT JOINed into the same row: the
    statement count stays constant whatever the page size."""
    stmt = select(*interviews.c)
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


def _embedded(row: Row, prefix: str) -> dict[str, Any] | None:
    embedded = {k.removeprefix(prefix): row[k] for k in row if k.startswith(prefix)}
    return embedded if embedded.get("id") is not None else None


def _to_interview(row: Row) -> Interview:
    person = _embedded(row, _PERSON)
    organisation = _embedded(row, _ORGANISATION)
    status = InterviewStatus(row["status"])
    return Interview.model_validate(
        {
            **{k: v for k, v in row.items() if "__" not in k},
            "allowed_actions": lifecycle.allowed_actions(status),
            "person": None if person is None else Person.model_validate(person),
            "organisation": (
                None if organisation is None else Organisation.model_validate(organisation)
            ),
        }
    )


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
        raise NotFound(_NO_INTERVIEW)
    stmt = _select(workspace_id, expand).where(interviews.c.id == interview_id)
    if lock:
        stmt = stmt.with_for_update(of=interviews)
    return await db.one(stmt, missing=_NO_INTERVIEW)


async def get_interview(
    db: Db, workspace_id: str, interview_id: str, expand: frozenset[str] = frozenset()
) -> Interview:
    return _to_interview(await _load(db, workspace_id, interview_id, expand=expand))


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
    workspace_id: str,
    filters: InterviewFilters,
    *,
    order: SortOrder,
    cursor: str | None,
    limit: int,
    expand: frozenset[str] = frozenset(),
) -> tuple[list[Interview], Page]:
    after, before = filters.scheduled_after, filters.scheduled_before
    if after is not None and before is not None and after > before:
        raise ValidationFailed(
            "`scheduled_after` is later than `scheduled_before`.",
            errors=[
                FieldError(
                    parameter="scheduled_after",
                    detail="Must not be later than `scheduled_before`.",
                    code="invalid_range",
                )
            ],
        )
    stmt = _select(workspace_id, expand)
    if filters.status is not None:
        stmt = stmt.where(interviews.c.status == filters.status.value)
    if filters.person_id is not None:
        stmt = stmt.where(interviews.c.person_id == filters.person_id)
    if filters.organisation_id is not None:
        stmt = stmt.where(interviews.c.organisation_id == filters.organisation_id)
    if after is not None:
        stmt = stmt.where(interviews.c.scheduled_at >= after)
    if before is not None:
        stmt = stmt.where(interviews.c.scheduled_at < before)
    if filters.q:
        stmt = stmt.where(matches_query(interviews.c.search_text, filters.q))
    page = page_of(await db.all(order.apply(stmt, cursor, limit)), order, limit)
    return [_to_interview(r) for r in page.rows], page


# --- create, update, delete -------------------------------------------------------------------


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    """A merge patch's values as the database takes them (enum members as their values)."""
    return {k: v.value if isinstance(v, Enum) else v for k, v in changes.items()}


def _invalid_field(pointer: str, detail: str, code: str) -> ValidationFailed:
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
        raise _invalid_field(
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


async def create_interview(db: Db, workspace_id: str, body: InterviewCreate) -> Interview:
    person = await _person(db, workspace_id, body.person_id)
    values = body.model_dump(mode="json")
    if "organisation_id" not in body.model_fields_set:
        values["organisation_id"] = person["organisation_id"]
    elif body.organisation_id is not None:
        await organisations_service.ensure_exists(db, workspace_id, body.organisation_id)
    values["reflection"] = _stored_reflection(values["reflection"])
    now = utcnow()
    row = await db.one(
        insert(interviews)
        .values(
            **values,
            id=ids.new_id("int"),
            workspace_id=workspace_id,
            status=InterviewStatus.planned.value,
            scheduled_at=None,
            started_at=None,
            ended_at=None,
            search_text=_search_text(values),
            created_at=now,
            updated_at=now,
        )
        .returning(*interviews.c)
    )
    return _to_interview(row)


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
    db: Db, workspace_id: str, interview_id: str, changes: dict[str, Any], if_match: str | None
) -> Interview:
    current = await _load(db, workspace_id, interview_id, lock=True)
    require_current(if_match, _to_interview(current))
    if not changes:
        return _to_interview(current)
    values = _plain(changes)
    if "person_id" in values:
        await _person(db, workspace_id, values["person_id"])
    if values.get("organisation_id") is not None:
        await organisations_service.ensure_exists(db, workspace_id, values["organisation_id"])
    if "reflection" in values:
        reflection = values["reflection"]
        values["reflection"] = (
            None
            if reflection is None
            else _stored_reflection(merge_patch(current["reflection"], reflection))
        )
    row = await db.one(
        update(interviews)
        .where(interviews.c.id == current["id"])
        .values(**values, search_text=_search_text({**current, **values}), updated_at=utcnow())
        .returning(*interviews.c)
    )
    return _to_interview(row)


async def delete_interview(
    db: Db, workspace_id: str, interview_id: str, if_match: str | None
) -> None:
    """Delete an interview and (by the foreign key's cascade) its agenda."""
    current = await _load(db, workspace_id, interview_id, lock=True)
    require_current(if_match, _to_interview(current))
    await db.execute(delete(interviews).where(interviews.c.id == current["id"]))


# --- lifecycle actions --------------------------------------------------------------------------


async def transition(
    db: Db,
    workspace_id: str,
    interview_id: str,
    action: InterviewAction,
    if_match: str | None,
    body: InterviewSchedule | InterviewComplete | None = None,
) -> Interview:
    """Apply a lifecycle action: 409 `invalid_transition` when the status does not allow it."""
    current = await _load(db, workspace_id, interview_id, lock=True)
    require_current(if_match, _to_interview(current))
    status = lifecycle.next_status(InterviewStatus(current["status"]), action)
    values: dict[str, Any] = {"status": status.value}
    if isinstance(body, InterviewSchedule):
        values.update(body.model_dump(mode="json", exclude_unset=True, exclude_none=True))
        values["scheduled_at"] = body.scheduled_at
    elif isinstance(body, InterviewComplete):
        values.update(_actual_times(body, current["duration_minutes"]))
    row = await db.one(
        update(interviews)
        .where(interviews.c.id == current["id"])
        .values(**values, updated_at=utcnow())
        .returning(*interviews.c)
    )
    return _to_interview(row)


def _actual_times(body: InterviewComplete, duration_minutes: int) -> dict[str, datetime]:
    ended_at = body.ended_at or utcnow()
    started_at = body.started_at or ended_at - timedelta(minutes=duration_minutes)
    if ended_at < started_at:
        raise _invalid_field(
            "/ended_at", "`ended_at` must not precede `started_at`.", "ended_before_started"
        )
    return {"started_at": started_at, "ended_at": ended_at}


# --- agenda -----------------------------------------------------------------------------------

_item = select(*agenda_items.c).where(
    agenda_items.c.workspace_id == bindparam("workspace_id"),
    agenda_items.c.interview_id == bindparam("interview_id"),
    agenda_items.c.id == bindparam("item_id"),
)


async def _agenda_of(db: Db, workspace_id: str, interview_id: str, *, lock: bool) -> str:
    """The interview's id, checked (and locked for writes, so agenda changes queue)."""
    if not ids.is_valid(interview_id, "int"):
        raise NotFound(_NO_INTERVIEW)
    stmt = select(interviews.c.id).where(
        interviews.c.workspace_id == workspace_id, interviews.c.id == interview_id
    )
    row = await db.one(stmt.with_for_update() if lock else stmt, missing=_NO_INTERVIEW)
    return str(row["id"])


async def _load_item(db: Db, workspace_id: str, interview_id: str, item_id: str) -> Row:
    if not ids.is_valid(item_id, "agi"):
        raise NotFound(_NO_ITEM)
    params = {"workspace_id": workspace_id, "interview_id": interview_id, "item_id": item_id}
    return await db.one(_item, params, missing=_NO_ITEM)


async def _item_count(db: Db, interview_id: str) -> int:
    return await positions.count(db, agenda_items, agenda_items.c.interview_id, interview_id)


def _agenda_mismatch(mismatch: positions.Mismatch) -> ValidationFailed:
    return _invalid_field(
        "/item_ids",
        f"List every one of the agenda's {mismatch.total} items exactly once.",
        "agenda_mismatch",
    )


def _agenda_full(adding: int, count: int) -> Conflict:
    return Conflict(
        f"An agenda holds at most {MAX_AGENDA_ITEMS} items; it has {count}, "
        f"so {adding} more do not fit.",
        code="agenda_full",
    )


async def list_agenda(
    db: Db, workspace_id: str, interview_id: str, *, cursor: str | None, limit: int
) -> tuple[list[AgendaItem], Page]:
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=False)
    stmt = select(*agenda_items.c).where(
        agenda_items.c.workspace_id == workspace_id, agenda_items.c.interview_id == interview_id
    )
    page = page_of(await db.all(AGENDA_ORDER.apply(stmt, cursor, limit)), AGENDA_ORDER, limit)
    return [AgendaItem.model_validate(r) for r in page.rows], page


async def get_item(db: Db, workspace_id: str, interview_id: str, item_id: str) -> AgendaItem:
    if not ids.is_valid(interview_id, "int"):
        raise NotFound(_NO_INTERVIEW)
    return AgendaItem.model_validate(await _load_item(db, workspace_id, interview_id, item_id))


async def create_item(
    db: Db, workspace_id: str, interview_id: str, body: AgendaItemCreate
) -> AgendaItem:
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    count = await _item_count(db, interview_id)
    if count >= MAX_AGENDA_ITEMS:
        raise _agenda_full(1, count)
    position = await positions.make_room(
        db, agenda_items, agenda_items.c.interview_id, interview_id, body.position, count
    )
    now = utcnow()
    row = await db.one(
        insert(agenda_items)
        .values(
            id=ids.new_id("agi"),
            interview_id=interview_id,
            workspace_id=workspace_id,
            position=position,
            question_id=None,
            text=body.text,
            category=None if body.category is None else body.category.value,
            answer=body.answer,
            asked=body.asked,
            created_at=now,
            updated_at=now,
        )
        .returning(*agenda_items.c)
    )
    return AgendaItem.model_validate(row)


async def update_item(
    db: Db,
    workspace_id: str,
    interview_id: str,
    item_id: str,
    changes: dict[str, Any],
    if_match: str | None,
) -> AgendaItem:
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    current = await _load_item(db, workspace_id, interview_id, item_id)
    require_current(if_match, AgendaItem.model_validate(current))
    values = _plain(changes)
    if values.get("position") == current["position"]:
        del values["position"]
    if "position" in values:
        values["position"] = await positions.move(
            db,
            agenda_items,
            agenda_items.c.interview_id,
            interview_id,
            current["position"],
            values["position"],
        )
    if not values:
        return AgendaItem.model_validate(current)
    row = await db.one(
        update(agenda_items)
        .where(agenda_items.c.id == current["id"])
        .values(**values, updated_at=utcnow())
        .returning(*agenda_items.c)
    )
    return AgendaItem.model_validate(row)


async def delete_item(
    db: Db, workspace_id: str, interview_id: str, item_id: str, if_match: str | None
) -> None:
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    current = await _load_item(db, workspace_id, interview_id, item_id)
    require_current(if_match, AgendaItem.model_validate(current))
    await db.execute(delete(agenda_items).where(agenda_items.c.id == current["id"]))
    await positions.close_gap(
        db, agenda_items, agenda_items.c.interview_id, interview_id, current["position"]
    )


async def _whole_agenda(db: Db, interview_id: str) -> list[AgendaItem]:
    rows = await db.all(
        select(*agenda_items.c)
        .where(agenda_items.c.interview_id == interview_id)
        .order_by(agenda_items.c.position, agenda_items.c.id)
    )
    return [AgendaItem.model_validate(r) for r in rows]


async def reorder_agenda(
    db: Db, workspace_id: str, interview_id: str, item_ids: list[str]
) -> list[AgendaItem]:
    """Put every item in the given order; the list must name each item exactly once."""
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    await positions.reorder(
        db, agenda_items, agenda_items.c.interview_id, interview_id, item_ids, _agenda_mismatch
    )
    return await _whole_agenda(db, interview_id)


async def add_from_bank(
    db: Db, workspace_id: str, interview_id: str, question_ids: list[str]
) -> list[AgendaItem]:
    """Append copies of bank questions: the text is a snapshot, later bank edits do not reach it."""
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    chosen = await questions_for_agenda(db, workspace_id, question_ids)
    count = await _item_count(db, interview_id)
    if count + len(chosen) > MAX_AGENDA_ITEMS:
        raise _agenda_full(len(chosen), count)
    now = utcnow()
    new_rows = [
        {
            "id": ids.new_id("agi"),
            "interview_id": interview_id,
            "workspace_id": workspace_id,
            "position": count + offset,
            "question_id": question["id"],
            "text": question["text"],
            "category": question["category"],
            "answer": None,
            "asked": False,
            "created_at": now,
            "updated_at": now,
        }
        for offset, question in enumerate(chosen, start=1)
    ]
    rows = await db.all(insert(agenda_items).values(new_rows).returning(*agenda_items.c))
    rows.sort(key=lambda r: r["position"])
    return [AgendaItem.model_validate(r) for r in rows]
