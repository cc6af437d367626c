"""An interview's agenda: ad hoc items and copies of bank questions, densely ordered 1..n."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from app.core import ids, positions
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.inserts import new_row
from app.core.lookups import InWorkspace
from app.core.pagination import Page, SortOrder, fetch_page
from app.interviews.models import agenda_items, interviews
from app.interviews.schemas import MAX_AGENDA_ITEMS, AgendaItem, AgendaItemCreate
from app.interviews.service import NO_INTERVIEW, invalid_field
from app.questions.service import questions_for_agenda

_NO_ITEM = "No agenda item has that id in this interview."

AGENDA_ORDER = SortOrder("position", (agenda_items.c.position, agenda_items.c.id))

_item = select(*agenda_items.c).where(
    agenda_items.c.workspace_id == bindparam("workspace_id"),
    agenda_items.c.interview_id == bindparam("interview_id"),
    agenda_items.c.id == bindparam("item_id"),
)


_interview = InWorkspace("int", select(interviews.c.id), interviews, NO_INTERVIEW)


async def _agenda_of(db: Db, workspace_id: str, interview_id: str, *, lock: bool) -> str:
    """The interview's id, checked (and locked for writes, so agenda changes queue)."""
    row = await _interview.load(db, workspace_id, interview_id, lock=lock)
    return str(row["id"])


async def _load_item(db: Db, workspace_id: str, interview_id: str, item_id: str) -> Row:
    if not ids.is_valid(item_id, "agi"):
        raise NotFound(_NO_ITEM)
    params = {"workspace_id": workspace_id, "interview_id": interview_id, "item_id": item_id}
    return await db.one(_item, params, missing=_NO_ITEM)


async def _item_count(db: Db, interview_id: str) -> int:
    return await positions.count(db, agenda_items, agenda_items.c.interview_id, interview_id)


def _agenda_mismatch(mismatch: positions.Mismatch) -> ValidationFailed:
    return invalid_field(
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
    db: Db, *, workspace_id: str, interview_id: str, cursor: str | None, limit: int
) -> tuple[list[AgendaItem], Page]:
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=False)
    stmt = select(*agenda_items.c).where(
        agenda_items.c.workspace_id == workspace_id, agenda_items.c.interview_id == interview_id
    )
    page = await fetch_page(db, stmt, AGENDA_ORDER, cursor, limit)
    return [AgendaItem.model_validate(r) for r in page.rows], page


async def get_item(db: Db, *, workspace_id: str, interview_id: str, item_id: str) -> AgendaItem:
    if not ids.is_valid(interview_id, "int"):
        raise NotFound(NO_INTERVIEW)
    return AgendaItem.model_validate(await _load_item(db, workspace_id, interview_id, item_id))


async def create_item(
    db: Db, *, workspace_id: str, interview_id: str, body: AgendaItemCreate
) -> AgendaItem:
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    count = await _item_count(db, interview_id)
    if count >= MAX_AGENDA_ITEMS:
        raise _agenda_full(1, count)
    position = await positions.make_room(
        db, agenda_items, agenda_items.c.interview_id, interview_id, body.position, count
    )
    content = column_values(body.model_dump(exclude={"position"}))
    values = new_row(
        "agi",
        **content,
        question_id=None,
        interview_id=interview_id,
        workspace_id=workspace_id,
        position=position,
    )
    row = await db.one(insert(agenda_items).values(values).returning(*agenda_items.c))
    return AgendaItem.model_validate(row)


async def update_item(
    db: Db,
    *,
    workspace_id: str,
    interview_id: str,
    item_id: str,
    changes: dict[str, Any],
    if_match: str | None,
) -> AgendaItem:
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    current = await _load_item(db, workspace_id, interview_id, item_id)
    require_current(if_match, AgendaItem.model_validate(current))
    values = column_values(changes)
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
    db: Db, *, workspace_id: str, interview_id: str, item_id: str, if_match: str | None
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
    db: Db, *, workspace_id: str, interview_id: str, item_ids: list[str]
) -> list[AgendaItem]:
    """Put every item in the given order; the list must name each item exactly once."""
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    await positions.reorder(
        db, agenda_items, agenda_items.c.interview_id, interview_id, item_ids, _agenda_mismatch
    )
    return await _whole_agenda(db, interview_id)


async def add_from_bank(
    db: Db, *, workspace_id: str, interview_id: str, question_ids: list[str]
) -> list[AgendaItem]:
    """Append copies of bank questions: the text is a snapshot, later bank edits do not reach it."""
    interview_id = await _agenda_of(db, workspace_id, interview_id, lock=True)
    chosen = await questions_for_agenda(db, workspace_id=workspace_id, question_ids=question_ids)
    count = await _item_count(db, interview_id)
    if count + len(chosen) > MAX_AGENDA_ITEMS:
        raise _agenda_full(len(chosen), count)
    now = utcnow()
    new_rows = [
        new_row(
            "agi",
            now=now,
            **_copied(question),
            interview_id=interview_id,
            workspace_id=workspace_id,
            position=count + offset,
        )
        for offset, question in enumerate(chosen, start=1)
    ]
    rows = await db.all(insert(agenda_items).values(new_rows).returning(*agenda_items.c))
    rows.sort(key=lambda r: r["position"])
    return [AgendaItem.model_validate(r) for r in rows]


def _copied(question: dict[str, Any]) -> dict[str, Any]:
    """An agenda item's content copied from a bank question: not yet asked, nor answered."""
    return {
        "question_id": question["id"],
        "text": question["text"],
        "category": question["category"],
        "answer": None,
        "asked": False,
    }
