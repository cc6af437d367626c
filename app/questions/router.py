"""`/v1/question-banks/builtin` and `/v1/workspaces/{workspace_id}/question-banks` with their
ordered questions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import CurrentCaller, workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb
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


class BankQuery(routes.PageQuery, paging_first=True, orders=service.BANK_ORDERS):
    sort: str = routes.sort_field(
        service.BANK_ORDERS, "created_at", "The built-in bank comes first in every order."
    )
    builtin: bool | None = Field(
        None, description="Only the built-in bank (true) or only the workspace's banks (false)."
    )


class QuestionQuery(routes.PageQuery, paging_first=True, orders=service.QUESTION_ORDERS):
    sort: str = routes.sort_field(service.QUESTION_ORDERS, "position")
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
questions = banks.like("questions", QUESTION, [BankId, QuestionId], model=Question)


@banks.route(
    "GET",
    "/v1/question-banks/builtin",
    response_model=QuestionBankWithQuestions,
    summary="Get the built-in bank with all its questions",
    description='The read-only bank every workspace shares: "Informational interview '
    'essentials". Copy it into a workspace (`question_banks_copy`) to change it.',
)
async def get_builtin(request: Request, caller: CurrentCaller, db: SnapshotDb) -> Response:
    return item_response(request, await service.builtin_bank(db))


banks.filtered_page(
    "List question banks: the built-in bank first, then the workspace's",
    QuestionBankList,
    BankQuery,
    service.list_banks,
    description="The built-in bank comes first in every order, then the workspace's banks sorted "
    "by `created_at` (default) or `name`; `?builtin=true` or `false` keeps one kind. Paginated "
    "(`limit`, `cursor`); the built-in bank counts towards the first page's `limit`.",
)
banks.create(
    "Create an empty question bank",
    QuestionBankCreate,
    service.create_bank,
    takes=("name", "description"),
    description="Takes `{name, description?}` and answers 201 with the bank, holding no questions "
    "yet, and its `Location`. Add questions with `questions_create`, or copy a bank with "
    "`question_banks_copy` instead.",
)
banks.get(
    "Get a question bank (the workspace's or the built-in one)",
    service.get_bank,
    description="One bank with its `question_count`, which its `ETag` covers (adding or removing "
    "a question changes it); `questions_list` lists the questions. The built-in bank's id works "
    "in every workspace; another workspace's bank is 404.",
)
banks.update(
    "Rename or describe a question bank",
    QuestionBankUpdate,
    service.update_bank,
    description="JSON Merge Patch of `name` and `description` (`null` clears the description). "
    "The built-in bank is read-only: 403 `builtin_read_only`. A stale `If-Match` is 412 "
    "`precondition_failed`.",
    responses=_READ_ONLY,
)
banks.delete(
    "Delete a question bank and its questions",
    service.delete_bank,
    description="Agenda items made from its questions keep their text; their link to the "
    "question is cleared.",
    responses=_READ_ONLY,
)
banks.action(
    "copy",
    "Copy a bank (the built-in one or the workspace's) with its questions",
    service.copy_bank,
    body=QuestionBankCopy,
    takes="name",
    created=True,
    description="The copy belongs to this workspace; its questions keep their order and get "
    "new ids.",
)
questions.filtered_page(
    "List a bank's questions in order",
    QuestionList,
    QuestionQuery,
    service.list_questions,
    db=SnapshotDb,
    description="A bank's questions in position order (`?sort=-position` reverses it), optionally "
    "of one `category`, paginated (`limit`, `cursor`), each with its `warnings`. A reorder "
    "between two pages can repeat or skip questions: read again from the start. Works for the "
    "built-in bank too.",
)
questions.create(
    "Add a question, at the end or at a position",
    QuestionCreate,
    service.create_question,
    takes=("text", "category", "position", "notes"),
    description="Takes `{text, category, notes?, position?}`: without `position`, or with one "
    "past the end, the question is appended; otherwise it is inserted there and the questions "
    "from that place on move down. Answers 201 with its `Location` and `warnings`. A bank holds "
    "at most 500 questions (409 `bank_full`); the built-in bank is 403 `builtin_read_only`.",
    responses={
        **_READ_ONLY,
        409: {"description": f"The bank already holds {MAX_QUESTIONS_PER_BANK} (`bank_full`)."},
    },
)
questions.action(
    "reorder",
    "Put all of a bank's questions in a new order",
    service.reorder_questions,
    body=QuestionReorder,
    takes="question_ids",
    collection=True,
    response_model=QuestionBankWithQuestions,
    description="`question_ids` lists every question of the bank exactly once; anything else "
    "is 422 `reorder_mismatch` and nothing moves. Answers the bank with its questions in the "
    "new order.",
    responses={
        **_READ_ONLY,
        422: {"description": "Invalid input (`validation_failed`, `reorder_mismatch`)."},
    },
)
questions.get(
    "Get a question",
    service.get_question,
    db=SnapshotDb,
    description="One question with its `position`, `category`, `notes` and the `warnings` its "
    "text trips, with an `ETag`. The built-in bank's questions are readable too; a question of "
    "another bank than the path's is 404.",
)
questions.update(
    "Edit a question or move it to another position",
    QuestionUpdate,
    service.update_question,
    description="Merge patch of `text`, `category` and `notes`; `position` moves the question, "
    "shifting those in between by one (past the end moves it last). Moving changes the positions, "
    "and so the ETags, of the questions it shifts. The built-in bank's questions are 403 "
    "`builtin_read_only`.",
    responses=_READ_ONLY,
)
questions.delete(
    "Delete a question; the ones after it move up",
    service.delete_question,
    description="Deletes the question, closes the gap (positions stay 1..n) and answers 204. "
    "Agenda items copied from it keep their text, with `question_id` cleared. The built-in bank's "
    "questions are 403 `builtin_read_only`.",
    responses=_READ_ONLY,
)
