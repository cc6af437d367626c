"""Question banks: the workspace's own and the read-only built-in one, each with its questions
(`service` writes those). Every write to a bank's questions first locks the bank's row
(`writable_bank`), so concurrent moves, inserts and deletes in one bank queue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, or_, select, update

from app.core import ids
from app.core.builtins import builtin_first, visible
from app.core.db import Db, Row, utcnow
from app.core.errors import Forbidden, NotFound
from app.core.etags import require_current
from app.core.inserts import new_row
from app.core.pagination import Page, SortOrder, fetch_page
from app.questions.models import question_banks, questions
from app.questions.schemas import Question, QuestionBank, QuestionBankWithQuestions

_NO_BANK = "No question bank has that id in this workspace."

_question_count = (
    select(func.count())
    .where(questions.c.bank_id == question_banks.c.id)
    .scalar_subquery()
    .label("question_count")
)
# The built-in bank leads every bank list, whichever way it is sorted.
BANK_ORDERS = {
    **builtin_first("created_at", question_banks, question_banks.c.created_at),
    **builtin_first("name", question_banks, question_banks.c.name),
}


def _read_only() -> Forbidden:
    return Forbidden(
        "The built-in bank is read-only; copy it into your workspace to change it.",
        code="builtin_read_only",
    )


def _banks(*extra: ColumnElement[Any]) -> Select[Any]:
    return select(*question_banks.c, _question_count, *extra)


async def load_bank(db: Db, *, workspace_id: str, bank_id: str) -> Row:
    """A bank the workspace can see (its own or the built-in one), with its question count."""
    if not ids.is_valid(bank_id, "qbk"):
        raise NotFound(_NO_BANK)
    stmt = _banks().where(question_banks.c.id == bank_id, visible(question_banks, workspace_id))
    return await db.one(stmt, missing=_NO_BANK)


async def writable_bank(db: Db, *, workspace_id: str, bank_id: str) -> Row:
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
        # 404 unless it is the built-in bank.
        await load_bank(db, workspace_id=workspace_id, bank_id=bank_id)
        raise _read_only()
    return bank


async def _bank_model(db: Db, workspace_id: str, bank_id: str) -> QuestionBank:
    bank = await load_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    return QuestionBank.model_validate(bank)


def in_bank(workspace_id: str, bank_id: str) -> ColumnElement[bool]:
    """Questions of `bank_id` that the workspace may see (its own, or the built-in bank's)."""
    return and_(
        questions.c.bank_id == bank_id,
        or_(questions.c.workspace_id == workspace_id, questions.c.workspace_id.is_(None)),
    )


def new_question(
    bank_id: str,
    workspace_id: str,
    position: int,
    content: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """A question row of the bank at `position`: `content` is its text, category and notes."""
    values = {"bank_id": bank_id, "workspace_id": workspace_id, "position": position, **content}
    return new_row("qst", now=now, **values)


async def _ordered_questions(db: Db, where: ColumnElement[bool]) -> list[Row]:
    return await db.all(
        select(*questions.c).where(where).order_by(questions.c.position, questions.c.id)
    )


async def _with_questions(
    db: Db, bank: Mapping[str, Any], where: ColumnElement[bool]
) -> QuestionBankWithQuestions:
    rows = await _ordered_questions(db, where)
    return QuestionBankWithQuestions.model_validate(
        {**bank, "questions": [Question.model_validate(r) for r in rows]}
    )


async def builtin_bank(db: Db) -> QuestionBankWithQuestions:
    """The built-in bank with all its questions, in order."""
    bank = await db.one(
        _banks().where(question_banks.c.builtin.is_(True)).order_by(question_banks.c.id).limit(1),
        missing="The built-in question bank is not installed.",
    )
    where = and_(questions.c.bank_id == bank["id"], questions.c.workspace_id.is_(None))
    return await _with_questions(db, bank, where)


async def bank_with_questions(
    db: Db, *, workspace_id: str, bank_id: str
) -> QuestionBankWithQuestions:
    """A bank the workspace can see, with its questions in order."""
    bank = await load_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    return await _with_questions(db, bank, in_bank(workspace_id, bank_id))


async def list_banks(
    db: Db,
    *,
    workspace_id: str,
    order: SortOrder,
    builtin: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[QuestionBank], Page]:
    stmt = _banks(order.columns[0]).where(visible(question_banks, workspace_id, builtin))
    page = await fetch_page(db, stmt, order, cursor, limit)
    return [QuestionBank.model_validate(r) for r in page.rows], page


async def get_bank(db: Db, *, workspace_id: str, bank_id: str) -> QuestionBank:
    return await _bank_model(db, workspace_id, bank_id)


async def _insert_bank(
    db: Db, workspace_id: str, name: str, description: str | None, now: datetime | None = None
) -> str:
    bank = new_row(
        "qbk", now=now, workspace_id=workspace_id, builtin=False, name=name, description=description
    )
    await db.execute(insert(question_banks).values(bank))
    return str(bank["id"])


async def create_bank(
    db: Db, *, workspace_id: str, name: str, description: str | None
) -> QuestionBank:
    bank_id = await _insert_bank(db, workspace_id, name, description)
    return await _bank_model(db, workspace_id, bank_id)


async def update_bank(
    db: Db, *, workspace_id: str, bank_id: str, changes: dict[str, Any], if_match: str | None
) -> QuestionBank:
    await writable_bank(db, workspace_id=workspace_id, bank_id=bank_id)
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
    await writable_bank(db, workspace_id=workspace_id, bank_id=bank_id)
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
    source = await load_bank(db, workspace_id=workspace_id, bank_id=bank_id)
    source_questions = await _ordered_questions(db, in_bank(workspace_id, bank_id))
    now = utcnow()
    copy_id = await _insert_bank(
        db, workspace_id, name or source["name"], source["description"], now
    )
    if source_questions:
        copies = [
            new_question(copy_id, workspace_id, position, _content(q), now)
            for position, q in enumerate(source_questions, start=1)
        ]
        await db.execute(insert(questions).values(copies))
    return await _bank_model(db, workspace_id, copy_id)


def _content(question: Row) -> dict[str, Any]:
    return {key: question[key] for key in ("text", "category", "notes")}
