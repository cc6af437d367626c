"""`/v1/question-banks/builtin` and `/v1/workspaces/{workspace_id}/question-banks` with their
ordered questions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import Field
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import CurrentCaller, workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT
from app.core.responses import item_response
from app.core.routing import CheckedRoute
from app.questions import service
from app.questions.schemas import (
    MAX_QUESTIONS_PER_BANK,
    Question,
    QuestionBank,
    QuestionBankCopy,
    QuestionBankCreate,
    QuestionBankList,
    QuestionBankUpdate,
    QuestionBankWithQuestions,
    QuestionCategory,
    QuestionCreate,
    QuestionList,
    QuestionReorder,
    QuestionUpdate,
)

router = APIRouter(route_class=CheckedRoute, tags=["question-banks"])

BANKS = "/v1/workspaces/{workspace_id}/question-banks"
BANK = BANKS + "/{bank_id}"
QUESTIONS = BANK + "/questions"
QUESTION = QUESTIONS + "/{question_id}"

# The caller is resolved before a WriteDb parameter opens its transaction.
QuestionsReader = Annotated[WorkspaceAccess, workspace_scope("questions:read")]
QuestionsWriter = Annotated[WorkspaceAccess, workspace_scope("questions:write")]
BankId = Annotated[
    str,
    routes.id_path("bank's", "qbk", more="; the built-in bank's id works in every workspace"),
]
QuestionId = Annotated[str, routes.id_path("question's", "qst")]
_READ_ONLY: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The role or API key scope does not allow this (`forbidden`, "
        "`insufficient_scope`), or the bank is the read-only built-in one (`builtin_read_only`)."
    }
}


# The body of a copy is optional: without one the copy keeps the original's name.
_NO_COPY_OPTIONS = QuestionBankCopy()


class BankQuery(routes.PageQuery):
    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None
    sort: str = Field(
        "created_at",
        max_length=20,
        description="`created_at`, `-created_at`, `name` or `-name`; the built-in bank "
        "comes first in every order.",
    )
    builtin: bool | None = Field(
        None, description="Only the built-in bank (true) or only the workspace's banks (false)."
    )


class QuestionQuery(routes.PageQuery):
    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None
    sort: str = Field("position", max_length=20, description="`position` (default) or `-position`.")
    category: QuestionCategory | None = Field(None, description="Only questions of this category.")


banks = routes.ItemRoutes(
    router,
    "question_banks",
    BANK,
    [BankId],
    model=QuestionBank,
    reader=QuestionsReader,
    writer=QuestionsWriter,
)
questions = routes.ItemRoutes(
    router,
    "questions",
    QUESTION,
    [BankId, QuestionId],
    model=Question,
    reader=QuestionsReader,
    writer=QuestionsWriter,
)


@router.get(
    "/v1/question-banks/builtin",
    operation_id="question_banks_get_builtin",
    response_model=QuestionBankWithQuestions,
    summary="Get the built-in bank with all its questions",
    description='The read-only bank every workspace shares: "Informational interview '
    'essentials". Copy it into a workspace (`question_banks_copy`) to change it.',
)
async def get_builtin_bank(request: Request, caller: CurrentCaller, db: SnapshotDb) -> Response:
    return item_response(request, await service.builtin_bank(db))


banks.filtered_page(
    "List question banks: the built-in bank first, then the workspace's",
    QuestionBankList,
    BankQuery,
    service.list_banks,
    orders=service.BANK_ORDERS,
)


@router.post(
    BANKS,
    operation_id="question_banks_create",
    status_code=201,
    response_model=QuestionBank,
    summary="Create an empty question bank",
)
async def create_bank(
    request: Request, body: QuestionBankCreate, access: QuestionsWriter, db: WriteDb
) -> Response:
    bank = await service.create_bank(
        db, workspace_id=access.workspace_id, name=body.name, description=body.description
    )
    location = BANK.format(workspace_id=access.workspace_id, bank_id=bank.id)
    return item_response(request, bank, status=201, location=location)


banks.get("Get a question bank (the workspace's or the built-in one)", service.get_bank)
banks.update(
    "Rename or describe a question bank",
    QuestionBankUpdate,
    service.update_bank,
    responses=_READ_ONLY,
)
banks.delete(
    "Delete a question bank and its questions",
    service.delete_bank,
    description="Agenda items made from its questions keep their text; their link to the "
    "question is cleared.",
    responses=_READ_ONLY,
)


@router.post(
    BANK + "/copy",
    operation_id="question_banks_copy",
    status_code=201,
    response_model=QuestionBank,
    summary="Copy a bank (the built-in one or the workspace's) with its questions",
    description="The copy belongs to this workspace; its questions keep their order and get "
    "new ids.",
)
async def copy_bank(
    request: Request,
    access: QuestionsWriter,
    bank_id: BankId,
    db: WriteDb,
    body: Annotated[QuestionBankCopy, Body()] = _NO_COPY_OPTIONS,
) -> Response:
    bank = await service.copy_bank(
        db, workspace_id=access.workspace_id, bank_id=bank_id, name=body.name
    )
    location = BANK.format(workspace_id=access.workspace_id, bank_id=bank.id)
    return item_response(request, bank, status=201, location=location)


questions.filtered_page(
    "List a bank's questions in order",
    QuestionList,
    QuestionQuery,
    service.list_questions,
    orders=service.QUESTION_ORDERS,
    db=SnapshotDb,
)


@router.post(
    QUESTIONS,
    operation_id="questions_create",
    status_code=201,
    response_model=Question,
    summary="Add a question, at the end or at a position",
    responses={
        **_READ_ONLY,
        409: {"description": f"The bank already holds {MAX_QUESTIONS_PER_BANK} (`bank_full`)."},
    },
)
async def create_question(
    request: Request, body: QuestionCreate, access: QuestionsWriter, bank_id: BankId, db: WriteDb
) -> Response:
    question = await service.create_question(
        db,
        workspace_id=access.workspace_id,
        bank_id=bank_id,
        text=body.text,
        category=body.category,
        position=body.position,
        notes=body.notes,
    )
    location = QUESTION.format(
        workspace_id=access.workspace_id, bank_id=bank_id, question_id=question.id
    )
    return item_response(request, question, status=201, location=location)


@router.post(
    QUESTIONS + "/reorder",
    operation_id="questions_reorder",
    response_model=QuestionBankWithQuestions,
    summary="Put all of a bank's questions in a new order",
    description="`question_ids` lists every question of the bank exactly once; anything else "
    "is 422 `reorder_mismatch` and nothing moves. Answers the bank with its questions in the "
    "new order.",
    responses={
        **_READ_ONLY,
        422: {"description": "Invalid input (`validation_failed`, `reorder_mismatch`)."},
    },
)
async def reorder_questions(
    request: Request, body: QuestionReorder, access: QuestionsWriter, bank_id: BankId, db: WriteDb
) -> Response:
    bank = await service.reorder_questions(
        db, workspace_id=access.workspace_id, bank_id=bank_id, question_ids=body.question_ids
    )
    return item_response(request, bank)


questions.get("Get a question", service.get_question, db=SnapshotDb)
questions.update(
    "Edit a question or move it to another position",
    QuestionUpdate,
    service.update_question,
    responses=_READ_ONLY,
)
questions.delete(
    "Delete a question; the ones after it move up", service.delete_question, responses=_READ_ONLY
)
