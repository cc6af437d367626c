"""Question banks and their densely ordered questions; the built-in bank is read-only.

Positions in a bank are always exactly 1..n. Every write to a bank's questions first locks the
bank's row, so concurrent moves, inserts and deletes in one bank queue instead of interleaving.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from app.core import ids, positions
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.pagination import Page, SortOrder, page_of
from app.questions.models import question_banks, questions
from app.questions.schemas import (
    MAX_QUESTIONS_PER_BANK,
    Question,
    QuestionBank,
    QuestionBankWithQuestions,
    QuestionCategory,
)

_NO_BANK = "No question bank has that id in this workspace."
_NO_QUESTION = "No question has that id in this bank."


def _read_only() -> Forbidden:
    return Forbidden(
        "The built-in bank is read-only; copy it into your workspace to change it.",
        code="builtin_read_only",
    )


# --- banks --------------------------------------------------------------------------------------

_question_count = (
    select(func.count())
    .where(questions.c.bank_id == question_banks.c.id)
    .scalar_subquery()
    .label("question_count")
)
# The built-in bank leads every bank list, whichever way it is sorted: it ranks lowest
# ascending and highest descending, so the keyset stays one unique, comparable tuple.
_rank_ascending = case((question_banks.c.builtin.is_(True), 0), else_=1).label("rank")
_rank_descending = case((question_banks.c.builtin.is_(True), 1), else_=0).label("rank")

BANK_ORDERS = {
    "created_at": SortOrder(
        "created_at", (_rank_ascending, question_banks.c.created_at, question_banks.c.id)
    ),
    "-created_at": SortOrder(
        "-created_at",
        (_rank_descending, question_banks.c.created_at, question_banks.c.id),
        descending=True,
    ),
    "name": SortOrder("name", (_rank_ascending, question_banks.c.name, question_banks.c.id)),
    "-name": SortOrder(
        "-name", (_rank_descending, question_banks.c.name, question_banks.c.id), descending=True
    ),
}


def _visible_banks(workspace_id: str) -> ColumnElement[bool]:
    """The workspace's own banks and the built-in one."""
    return or_(question_banks.c.workspace_id == workspace_id, question_banks.c.builtin.is_(True))


def _banks(*extra: ColumnElement[Any]) -> Select[Any]:
    return select(*question_banks.c, _question_count, *extra)


async def _load_bank(db: Db, workspace_id: str, bank_id: str) -> Row:
    """A bank the workspace can see (its own or the built-in one), with its question count."""
    if not ids.is_valid(bank_id, "qbk"):
        raise NotFound(_NO_BANK)
    stmt = _banks().where(question_banks.c.id == bank_id, _visible_banks(workspace_id))
    return await db.one(stmt, missing=_NO_BANK)


async def _writable_bank(db: Db, workspace_id: str, bank_id: str) -> Row:
    """The workspace's own bank, its row locked for this transaction (every write to its
    questions takes this lock first); the built-in bank is 403, any other 404."""
    if not ids.is_valid(bank_id, "qbk"):
        raise NotFound(_NO_BANK)
    own = (
        select(*question_banks.c)
        .where(question_banks.c.id == bank_id, question_banks.c.workspace_id == workspace_id)
        .with_for_update()
    )
    bank = await db.first(own)
    if bank is None:
        await _load_bank(db, workspace_id, bank_id)  # 404 unless it is the built-in bank
        raise _read_only()
    return bank


async def _bank_model(db: Db, workspace_id: str, bank_id: str) -> QuestionBank:
    return QuestionBank.model_validate(await _load_bank(db, workspace_id, bank_id))


async def builtin_bank(db: Db) -> QuestionBankWithQuestions:
    """The built-in bank with all its questions, in order."""
    bank = await db.one(
        _banks().where(question_banks.c.builtin.is_(True)).order_by(question_banks.c.id).limit(1),
        missing="The built-in question bank is not installed.",
    )
    rows = await db.all(
        select(*questions.c)
        .where(questions.c.bank_id == bank["id"], questions.c.workspace_id.is_(None))
        .order_by(questions.c.position, questions.c.id)
    )
    return QuestionBankWithQuestions.model_validate(
        {**bank, "questions": [Question.model_validate(r) for r in rows]}
    )


async def list_banks(
    db: Db,
    *,
    workspace_id: str,
    order: SortOrder,
    builtin: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[QuestionBank], Page]:
    rank = order.columns[0]
    if builtin is None:
        visible = _visible_banks(workspace_id)
    elif builtin:
        visible = question_banks.c.builtin.is_(True)
    else:
        visible = question_banks.c.workspace_id == workspace_id
    stmt = _banks(rank).where(visible)
    page = page_of(await db.all(order.apply(stmt, cursor, limit)), order, limit)
    return [QuestionBank.model_validate(r) for r in page.rows], page


async def get_bank(db: Db, *, workspace_id: str, bank_id: str) -> QuestionBank:
    return await _bank_model(db, workspace_id, bank_id)


async def create_bank(
    db: Db, *, workspace_id: str, name: str, description: str | None
) -> QuestionBank:
    now = utcnow()
    bank_id = ids.new_id("qbk")
    await db.execute(
        insert(question_banks).values(
            id=bank_id,
            workspace_id=workspace_id,
            builtin=False,
            name=name,
            description=description,
            created_at=now,
            updated_at=now,
        )
    )
    return await _bank_model(db, workspace_id, bank_id)


async def update_bank(
    db: Db, *, workspace_id: str, bank_id: str, changes: dict[str, Any], if_match: str | None
) -> QuestionBank:
    await _writable_bank(db, workspace_id, bank_id)
    current = await _bank_model(db, workspace_id, bank_id)
    require_current(if_match, current)
    if not changes:
        return current
    await db.execute(
        update(question_banks)
        .where(question_banks.c.id == bank_id, question_banks.c.workspace_id == workspace_id)
        .values(**changes, updated_at=utcnow())
    )
    return await _bank_model(db, workspace_id, bank_id)


async def delete_bank(db: Db, *, workspace_id: str, bank_id: str, if_match: str | None) -> None:
    await _writable_bank(db, workspace_id, bank_id)
    require_current(if_match, await _bank_model(db, workspace_id, bank_id))
    # Agenda items keep their own copy of the text; their link to the question is cleared.
    await db.execute(
        delete(questions).where(
            questions.c.bank_id == bank_id, questions.c.workspace_id == workspace_id
        )
    )
    await db.execute(
        delete(question_banks).where(
            question_banks.c.id == bank_id, question_banks.c.workspace_id == workspace_id
        )
    )


async def copy_bank(db: Db, *, workspace_id: str, bank_id: str, name: str | None) -> QuestionBank:
    """A new bank in the workspace with the source's questions, in order, under new ids."""
    source = await _load_bank(db, workspace_id, bank_id)
    source_questions = await db.all(
        select(*questions.c)
        .where(
            questions.c.bank_id == bank_id,
            or_(questions.c.workspace_id == workspace_id, questions.c.workspace_id.is_(None)),
        )
        .order_by(questions.c.position, questions.c.id)
    )
    now = utcnow()
    copy_id = ids.new_id("qbk")
    await db.execute(
        insert(question_banks).values(
            id=copy_id,
            workspace_id=workspace_id,
            builtin=False,
            name=name or source["name"],
            description=source["description"],
            created_at=now,
            updated_at=now,
        )
    )
    if source_questions:
        await db.execute(
            insert(questions).values(
                [
                    {
                        "id": ids.new_id("qst"),
                        "bank_id": copy_id,
                        "workspace_id": workspace_id,
                        "text": q["text"],
                        "category": q["category"],
                        "position": position,
                        "notes": q["notes"],
                        "created_at": now,
                        "updated_at": now,
                    }
                    for position, q in enumerate(source_questions, start=1)
                ]
            )
        )
    return await _bank_model(db, workspace_id, copy_id)


# --- questions ----------------------------------------------------------------------------------

QUESTION_ORDERS = {
    "position": SortOrder("position", (questions.c.position, questions.c.id)),
    "-position": SortOrder("-position", (questions.c.position, questions.c.id), descending=True),
}


def _in_bank(workspace_id: str, bank_id: str) -> ColumnElement[bool]:
    """Questions of `bank_id` that the workspace may see (its own, or the built-in bank's)."""
    return and_(
        questions.c.bank_id == bank_id,
        or_(questions.c.workspace_id == workspace_id, questions.c.workspace_id.is_(None)),
    )


async def _load_question(
    db: Db, workspace_id: str, bank_id: str, question_id: str, *, lock: bool = False
) -> Row:
    if not ids.is_valid(question_id, "qst"):
        raise NotFound(_NO_QUESTION)
    stmt = select(*questions.c).where(
        _in_bank(workspace_id, bank_id), questions.c.id == question_id
    )
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
    await _load_bank(db, workspace_id, bank_id)
    stmt = select(*questions.c).where(_in_bank(workspace_id, bank_id))
    if category is not None:
        stmt = stmt.where(questions.c.category == category.value)
    page = page_of(await db.all(order.apply(stmt, cursor, limit)), order, limit)
    return [Question.model_validate(r) for r in page.rows], page


async def get_question(db: Db, *, workspace_id: str, bank_id: str, question_id: str) -> Question:
    await _load_bank(db, workspace_id, bank_id)
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
    await _writable_bank(db, workspace_id, bank_id)
    total = await positions.count(db, questions, questions.c.bank_id, bank_id)
    if total >= MAX_QUESTIONS_PER_BANK:
        raise Conflict(
            f"A bank holds at most {MAX_QUESTIONS_PER_BANK} questions; this one is full.",
            code="bank_full",
        )
    place = await positions.make_room(db, questions, questions.c.bank_id, bank_id, position, total)
    now = utcnow()
    question_id = ids.new_id("qst")
    await db.execute(
        insert(questions).values(
            id=question_id,
            bank_id=bank_id,
            workspace_id=workspace_id,
            text=text,
            category=category.value,
            position=place,
            notes=notes,
            created_at=now,
            updated_at=now,
        )
    )
    return await get_question(
        db, workspace_id=workspace_id, bank_id=bank_id, question_id=question_id
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
    await _writable_bank(db, workspace_id, bank_id)
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
    await _writable_bank(db, workspace_id, bank_id)
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
    await _writable_bank(db, workspace_id, bank_id)
    await positions.reorder(
        db, questions, questions.c.bank_id, bank_id, question_ids, _reorder_mismatch
    )
    return await _bank_with_questions(db, workspace_id, bank_id)


async def _bank_with_questions(
    db: Db, workspace_id: str, bank_id: str
) -> QuestionBankWithQuestions:
    bank = await _bank_model(db, workspace_id, bank_id)
    rows = await db.all(
        select(*questions.c)
        .where(_in_bank(workspace_id, bank_id))
        .order_by(questions.c.position, questions.c.id)
    )
    return QuestionBankWithQuestions.model_validate(
        {**bank.model_dump(), "questions": [Question.model_validate(r) for r in rows]}
    )


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
            .where(questions.c.id.in_(wanted), _visible_banks(workspace_id))
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
