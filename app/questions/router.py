"""`/v1/question-banks/builtin` and `/v1/workspaces/{workspace_id}/question-banks` with their
ordered questions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import CurrentCaller, workspace_scope
from app.core.dependencies import IfMatch, ReadDb, SnapshotDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, resolve_sort
from app.core.responses import item_response, no_content, page_response
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
    Path(
        description="The bank's id (`qbk_…`); the built-in bank's id works in every workspace.",
        examples=["qbk_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]
QuestionId = Annotated[
    str,
    Path(
        description="The question's id (`qst_…`).",
        examples=["qst_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]
_READ_ONLY: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The role or API key scope does not allow this (`forbidden`, "
        "`insufficient_scope`), or the bank is the read-only built-in one (`builtin_read_only`)."
    }
}


# The body of a copy is optional: without one the copy keeps the original's name.
_NO_COPY_OPTIONS = QuestionBankCopy()


def _bank_location(workspace_id: str, bank_id: str) -> str:
    return f"/v1/workspaces/{workspace_id}/question-banks/{bank_id}"


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


@router.get(
    BANKS,
    operation_id="question_banks_list",
    response_model=QuestionBankList,
    summary="List question banks: the built-in bank first, then the workspace's",
)
async def list_banks(
    request: Request,
    access: QuestionsReader,
    db: ReadDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Annotated[
        str,
        Query(
            max_length=20,
            description="`created_at`, `-created_at`, `name` or `-name`; the built-in bank "
            "comes first in every order.",
        ),
    ] = "created_at",
    builtin: Annotated[
        bool | None,
        Query(description="Only the built-in bank (true) or only the workspace's banks (false)."),
    ] = None,
) -> Response:
    data, page = await service.list_banks(
        db,
        access.workspace_id,
        order=resolve_sort(sort, service.BANK_ORDERS),
        builtin=builtin,
        cursor=cursor,
        limit=limit,
    )
    return page_response(request, QuestionBankList, data, page)


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
    bank = await service.create_bank(db, access.workspace_id, body.name, body.description)
    location = _bank_location(access.workspace_id, bank.id)
    return item_response(request, bank, status=201, location=location)


@router.get(
    BANK,
    operation_id="question_banks_get",
    response_model=QuestionBank,
    summary="Get a question bank (the workspace's or the built-in one)",
)
async def get_bank(
    request: Request, access: QuestionsReader, bank_id: BankId, db: ReadDb
) -> Response:
    return item_response(request, await service.get_bank(db, access.workspace_id, bank_id))


@router.patch(
    BANK,
    operation_id="question_banks_update",
    response_model=QuestionBank,
    summary="Rename or describe a question bank",
    responses=_READ_ONLY,
)
async def update_bank(
    request: Request,
    body: QuestionBankUpdate,
    access: QuestionsWriter,
    bank_id: BankId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    bank = await service.update_bank(db, access.workspace_id, bank_id, body.changes(), if_match)
    return item_response(request, bank)


@router.delete(
    BANK,
    operation_id="question_banks_delete",
    status_code=204,
    response_class=Response,
    summary="Delete a question bank and its questions",
    description="Agenda items made from its questions keep their text; their link to the "
    "question is cleared.",
    responses=_READ_ONLY,
)
async def delete_bank(
    access: QuestionsWriter, bank_id: BankId, db: WriteDb, if_match: IfMatch = None
) -> Response:
    await service.delete_bank(db, access.workspace_id, bank_id, if_match)
    return no_content()


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
    bank = await service.copy_bank(db, access.workspace_id, bank_id, body.name)
    location = _bank_location(access.workspace_id, bank.id)
    return item_response(request, bank, status=201, location=location)


@router.get(
    QUESTIONS,
    operation_id="questions_list",
    response_model=QuestionList,
    summary="List a bank's questions in order",
)
async def list_questions(
    request: Request,
    access: QuestionsReader,
    bank_id: BankId,
    db: SnapshotDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Annotated[
        str, Query(max_length=20, description="`position` (default) or `-position`.")
    ] = "position",
    category: Annotated[
        QuestionCategory | None, Query(description="Only questions of this category.")
    ] = None,
) -> Response:
    data, page = await service.list_questions(
        db,
        access.workspace_id,
        bank_id,
        order=resolve_sort(sort, service.QUESTION_ORDERS),
        category=category,
        cursor=cursor,
        limit=limit,
    )
    return page_response(request, QuestionList, data, page)


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
        access.workspace_id,
        bank_id,
        text=body.text,
        category=body.category,
        position=body.position,
        notes=body.notes,
    )
    location = f"{_bank_location(access.workspace_id, bank_id)}/questions/{question.id}"
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
    bank = await service.reorder_questions(db, access.workspace_id, bank_id, body.question_ids)
    return item_response(request, bank)


@router.get(
    QUESTION,
    operation_id="questions_get",
    response_model=Question,
    summary="Get a question",
)
async def get_question(
    request: Request,
    access: QuestionsReader,
    bank_id: BankId,
    question_id: QuestionId,
    db: SnapshotDb,
) -> Response:
    question = await service.get_question(db, access.workspace_id, bank_id, question_id)
    return item_response(request, question)


@router.patch(
    QUESTION,
    operation_id="questions_update",
    response_model=Question,
    summary="Edit a question or move it to another position",
    responses=_READ_ONLY,
)
async def update_question(
    request: Request,
    body: QuestionUpdate,
    access: QuestionsWriter,
    bank_id: BankId,
    question_id: QuestionId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    question = await service.update_question(
        db, access.workspace_id, bank_id, question_id, body.changes(), if_match
    )
    return item_response(request, question)


@router.delete(
    QUESTION,
    operation_id="questions_delete",
    status_code=204,
    response_class=Response,
    summary="Delete a question; the ones after it move up",
    responses=_READ_ONLY,
)
async def delete_question(
    access: QuestionsWriter,
    bank_id: BankId,
    question_id: QuestionId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    await service.delete_question(db, access.workspace_id, bank_id, question_id, if_match)
    return no_content()
