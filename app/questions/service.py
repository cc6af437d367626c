"""The questions of a bank, densely ordered: positions are always exactly 1..n, and every write
first locks the bank's row (`banks.writable_bank`); the lookups interview agendas copy from.
The banks are in `banks`; their services are imported here too, where the router finds them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from app.core import ids, positions
from app.core.builtins import visible
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.pagination import Page, SortOrder, both_ways, fetch_page
from app.questions.banks import BANK_ORDERS as BANK_ORDERS
from app.questions.banks import bank_with_questions, in_bank, load_bank, new_question, writable_bank
from app.questions.banks import builtin_bank as builtin_bank
from app.questions.banks import copy_bank as copy_bank
from app.questions.banks import create_bank as create_bank
from app.questions.banks import delete_bank as delete_bank
from app.questions.banks import get_bank as get_bank
from app.questions.banks import list_banks as list_banks
from app.questions.banks import update_bank as update_bank
from app.questions.models import question_banks, questions
from app.questions.schemas import (
    MAX_QUESTIONS_PER_BANK,
    Question,
    QuestionBankWithQuestions,
    QuestionCategory,
)

_NO_QUESTION = "No question has that id in this bank."

QUESTION_ORDERS = both_ways("position", (questions.c.position, questions.c.id))


async def _load_question(
    db: Db, workspace_id: str, bank_id: str, question_id: str, *, lock: bool = False
) -> Row:
    if not ids.is_valid(question_id, "qst"):
        raise NotFound(_NO_QUESTION)
    stmt = select(*questions.c).where(in_bank(workspace_id, bank_id), questions.c.id == question_id)
    return await db.one(stmt.with_for_update() if lock else stmt, missing=_NO_QUESTION)


async def list_questions(
    db: Db,
    *,
    workspace_id: str,
    bank_id: str,
    order: SortOrder,
    category: QuestionCategory | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Question], Page]:
    await load_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    stmt = select(*questions.c).where(in_bank(workspace_id, bank_id))
    if category is not None:
        stmt = stmt.where(questions.c.category == category.value)
    page = await fetch_page(db, stmt, order, cursor, limit)
    return [Question.model_validate(r) for r in page.rows], page


async def get_question(db: Db, *, workspace_id: str, bank_id: str, question_id: str) -> Question:
    await load_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    return Question.model_validate(await _load_question(db, workspace_id, bank_id, question_id))


async def create_question(
    db: Db,
    *,
    workspace_id: str,
    bank_id: str,
    text: str,
    category: QuestionCategory,
    position: int | None,
    notes: str | None,
) -> Question:
    await writable_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    total = await positions.count(db, questions, questions.c.bank_id, bank_id)
    if total >= MAX_QUESTIONS_PER_BANK:
        raise Conflict(
            f"A bank holds at most {MAX_QUESTIONS_PER_BANK} questions; this one is full.",
            code="bank_full",
        )
    place = await positions.make_room(db, questions, questions.c.bank_id, bank_id, position, total)
    content = {"text": text, "category": category.value, "notes": notes}
    question = new_question(bank_id, workspace_id, place, content)
    await db.execute(insert(questions).values(question))
    return await get_question(
        db, workspace_id=workspace_id, bank_id=bank_id, question_id=question["id"]
    )


async def update_question(
    db: Db,
    *,
    workspace_id: str,
    bank_id: str,
    question_id: str,
    changes: dict[str, Any],
    if_match: str | None,
) -> Question:
    await writable_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    current = await _load_question(db, workspace_id, bank_id, question_id, lock=True)
    require_current(if_match, Question.model_validate(current))
    if not changes:
        return Question.model_validate(current)
    now = utcnow()
    values = column_values(changes)
    if "position" in values:
        values["position"] = await positions.move(
            db, questions, questions.c.bank_id, bank_id, current["position"], values["position"]
        )
    await db.execute(
        update(questions)
        .where(questions.c.id == question_id, questions.c.workspace_id == workspace_id)
        .values(**values, updated_at=now)
    )
    return await get_question(
        db, workspace_id=workspace_id, bank_id=bank_id, question_id=question_id
    )


async def delete_question(
    db: Db, *, workspace_id: str, bank_id: str, question_id: str, if_match: str | None
) -> None:
    await writable_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    current = await _load_question(db, workspace_id, bank_id, question_id, lock=True)
    require_current(if_match, Question.model_validate(current))
    await db.execute(
        delete(questions).where(
            questions.c.id == question_id, questions.c.workspace_id == workspace_id
        )
    )
    await positions.close_gap(db, questions, questions.c.bank_id, bank_id, current["position"])


def _reorder_mismatch(mismatch: positions.Mismatch) -> ValidationFailed:
    if mismatch.duplicated:
        detail = "An id appears more than once."
    elif mismatch.unknown:
        detail = f"Not a question of this bank: {', '.join(mismatch.unknown[:5])}."
    else:
        detail = f"The bank has {mismatch.total} questions; {mismatch.listed} were listed."
    return ValidationFailed(
        "`question_ids` must list every question of the bank exactly once.",
        errors=[FieldError(pointer="/question_ids", detail=detail, code="reorder_mismatch")],
    )


async def reorder_questions(
    db: Db, *, workspace_id: str, bank_id: str, question_ids: list[str]
) -> QuestionBankWithQuestions:
    """Put the bank's questions in the given order: one statement, all or nothing."""
    await writable_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    await positions.reorder(
        db, questions, questions.c.bank_id, bank_id, question_ids, _reorder_mismatch
    )
    return await bank_with_questions(db, workspace_id=workspace_id, bank_id=bank_id)


# --- for interview agendas ----------------------------------------------------------------------


async def questions_for_agenda(
    db: Db, *, workspace_id: str, question_ids: list[str]
) -> list[dict[str, Any]]:
    """`{id, text, category}` for each id, in the order given, from the workspace's own banks or
    the built-in bank; any id the workspace cannot see is a 422 `question_not_found`."""
    wanted = [q for q in dict.fromkeys(question_ids) if ids.is_valid(q, "qst")]
    found: dict[str, dict[str, Any]] = {}
    if wanted:
        rows = await db.all(
            select(questions.c.id, questions.c.text, questions.c.category)
            .join(question_banks, question_banks.c.id == questions.c.bank_id)
            .where(questions.c.id.in_(wanted), visible(question_banks, workspace_id))
        )
        found = {r["id"]: r for r in rows}
    errors = [
        FieldError(
            pointer="/question_ids",
            detail=f"No question `{question_id}` in this workspace's banks or the built-in bank.",
            code="question_not_found",
        )
        for question_id in dict.fromkeys(question_ids)
        if question_id not in found
    ]
    if errors:
        raise ValidationFailed("Some questions do not exist or are not visible.", errors=errors)
    return [dict(found[q]) for q in question_ids]
