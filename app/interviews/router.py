"""`/v1/workspaces/{workspace_id}/interviews`: interviews, their lifecycle actions and agendas."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core.dependencies import IfMatch, ReadDb, SnapshotDb, WriteDb
from app.core.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    resolve_sort,
)
from app.core.query import query_model
from app.core.responses import (
    item_response,
    json_response,
    no_content,
    page_response,
    rows_page_response,
)
from app.core.routing import CheckedRoute
from app.interviews import agenda, service
from app.interviews.lifecycle import InterviewAction
from app.interviews.schemas import (
    AgendaFromBank,
    AgendaItem,
    AgendaItemCreate,
    AgendaItemList,
    AgendaItemUpdate,
    AgendaReorder,
    Interview,
    InterviewComplete,
    InterviewCreate,
    InterviewList,
    InterviewQuery,
    InterviewSchedule,
    InterviewUpdate,
)

router = APIRouter(
    route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}/interviews", tags=["interviews"]
)

# The caller is resolved before a WriteDb parameter opens its transaction.
# Embedding the interviewee or the organisation shows their data: it needs their read scope.
Reader = Annotated[
    WorkspaceAccess,
    workspace_scope(
        "interviews:read", embeds={"person": "people:read", "organisation": "organisations:read"}
    ),
]
# Copying a bank's questions reads the bank.
FromBankWriter = Annotated[WorkspaceAccess, workspace_scope("interviews:write", "questions:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("interviews:write")]
InterviewId = Annotated[str, Path(description="The interview's id (`int_…`).")]
ItemId = Annotated[str, Path(description="The agenda item's id (`agi_…`).")]
Expand = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Embed related objects: `person`, `organisation`, or both comma-separated.",
        examples=["person,organisation"],
    ),
]
_TRANSITION_409: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The interview's status does not allow this action "
        "(`invalid_transition`; `allowed_actions` lists those it does)."
    }
}


def _location(workspace_id: str, interview_id: str) -> str:
    return f"/v1/workspaces/{workspace_id}/interviews/{interview_id}"


# --- interviews ---------------------------------------------------------------------------------


@router.get(
    "",
    operation_id="interviews_list",
    response_model=InterviewList,
    summary="List interviews, filtered and sorted",
)
async def list_interviews(
    request: Request,
    access: Reader,
    db: ReadDb,
    query: Annotated[InterviewQuery, query_model(InterviewQuery)],
) -> Response:
    filters = service.InterviewFilters(
        status=query.status,
        person_id=query.person_id,
        organisation_id=query.organisation_id,
        scheduled_after=query.scheduled_after,
        scheduled_before=query.scheduled_before,
        q=query.q,
    )
    page = await service.list_interviews(
        db,
        access.workspace_id,
        filters,
        order=resolve_sort(query.sort, service.ORDERS),
        cursor=query.cursor,
        limit=query.limit,
        expand=service.parse_expand(query.expand),
    )
    return rows_page_response(request, service.INTERVIEW_JSON, page)


@router.post(
    "",
    operation_id="interviews_create",
    status_code=201,
    response_model=Interview,
    summary="Plan an interview with a person",
)
async def create_interview(
    request: Request, body: InterviewCreate, access: Writer, db: WriteDb
) -> Response:
    interview = await service.create_interview(db, access.workspace_id, body)
    location = _location(access.workspace_id, interview.id)
    return item_response(request, interview, status=201, location=location)


@router.get(
    "/{interview_id}",
    operation_id="interviews_get",
    response_model=Interview,
    summary="Get an interview",
)
async def get_interview(
    request: Request, access: Reader, interview_id: InterviewId, db: ReadDb, expand: Expand = None
) -> Response:
    interview = await service.get_interview(
        db, access.workspace_id, interview_id, service.parse_expand(expand)
    )
    return item_response(request, interview)


@router.patch(
    "/{interview_id}",
    operation_id="interviews_update",
    response_model=Interview,
    summary="Update an interview (JSON Merge Patch; not its status)",
)
async def update_interview(
    request: Request,
    body: InterviewUpdate,
    access: Writer,
    interview_id: InterviewId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    interview = await service.update_interview(
        db, access.workspace_id, interview_id, body.changes(), if_match
    )
    return item_response(request, interview)


@router.delete(
    "/{interview_id}",
    operation_id="interviews_delete",
    status_code=204,
    response_class=Response,
    summary="Delete an interview and its agenda",
)
async def delete_interview(
    access: Writer, interview_id: InterviewId, db: WriteDb, if_match: IfMatch = None
) -> Response:
    await service.delete_interview(db, access.workspace_id, interview_id, if_match)
    return no_content()


# --- lifecycle actions --------------------------------------------------------------------------


@router.post(
    "/{interview_id}/schedule",
    operation_id="interviews_schedule",
    response_model=Interview,
    summary="Agree a time (from planned or requested)",
    responses=_TRANSITION_409,
)
async def schedule_interview(
    request: Request,
    body: InterviewSchedule,
    access: Writer,
    interview_id: InterviewId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    interview = await service.transition(
        db, access.workspace_id, interview_id, InterviewAction.schedule, if_match, body
    )
    return item_response(request, interview)


@router.post(
    "/{interview_id}/reschedule",
    operation_id="interviews_reschedule",
    response_model=Interview,
    summary="Move a scheduled interview to another time",
    responses=_TRANSITION_409,
)
async def reschedule_interview(
    request: Request,
    body: InterviewSchedule,
    access: Writer,
    interview_id: InterviewId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    interview = await service.transition(
        db, access.workspace_id, interview_id, InterviewAction.reschedule, if_match, body
    )
    return item_response(request, interview)


@router.post(
    "/{interview_id}/complete",
    operation_id="interviews_complete",
    response_model=Interview,
    summary="Record that a scheduled interview took place",
    responses=_TRANSITION_409,
)
async def complete_interview(
    request: Request,
    body: InterviewComplete,
    access: Writer,
    interview_id: InterviewId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    interview = await service.transition(
        db, access.workspace_id, interview_id, InterviewAction.complete, if_match, body
    )
    return item_response(request, interview)


Endpoint = Callable[..., Awaitable[Response]]


def _simple_action(action: InterviewAction) -> Endpoint:
    """An action that takes no parameters: only the status changes."""

    async def endpoint(
        request: Request,
        access: Writer,
        interview_id: InterviewId,
        db: WriteDb,
        if_match: IfMatch = None,
    ) -> Response:
        interview = await service.transition(
            db, access.workspace_id, interview_id, action, if_match
        )
        return item_response(request, interview)

    endpoint.__name__ = f"{action.value}_interview"
    return endpoint


for _action, _path, _summary in (
    (InterviewAction.request, "request", "Mark that the interview was asked for"),
    (InterviewAction.cancel, "cancel", "Cancel a planned, requested or scheduled interview"),
    (InterviewAction.decline, "decline", "Record that the person declined"),
    (InterviewAction.no_show, "no-show", "Record that a scheduled interview did not happen"),
):
    router.add_api_route(
        f"/{{interview_id}}/{_path}",
        _simple_action(_action),
        methods=["POST"],
        operation_id=f"interviews_{_action.value}",
        response_model=Interview,
        summary=_summary,
        responses=_TRANSITION_409,
    )


# --- agenda -------------------------------------------------------------------------------------


def _item_location(workspace_id: str, interview_id: str, item_id: str) -> str:
    return f"{_location(workspace_id, interview_id)}/agenda/{item_id}"


@router.get(
    "/{interview_id}/agenda",
    operation_id="agenda_items_list",
    response_model=AgendaItemList,
    summary="List an interview's agenda in order",
)
async def list_agenda(
    request: Request,
    access: Reader,
    interview_id: InterviewId,
    db: SnapshotDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    data, page = await agenda.list_agenda(
        db, access.workspace_id, interview_id, cursor=cursor, limit=limit
    )
    return page_response(request, AgendaItemList, data, page)


@router.post(
    "/{interview_id}/agenda",
    operation_id="agenda_items_create",
    status_code=201,
    response_model=AgendaItem,
    summary="Add an ad hoc agenda item",
    responses={409: {"description": "The agenda already has 100 items (`agenda_full`)."}},
)
async def create_agenda_item(
    request: Request,
    body: AgendaItemCreate,
    access: Writer,
    interview_id: InterviewId,
    db: WriteDb,
) -> Response:
    item = await agenda.create_item(db, access.workspace_id, interview_id, body)
    location = _item_location(access.workspace_id, item.interview_id, item.id)
    return item_response(request, item, status=201, location=location)


@router.post(
    "/{interview_id}/agenda/from-bank",
    operation_id="agenda_items_from_bank",
    status_code=201,
    response_model=AgendaItemList,
    summary="Append copies of question-bank questions to the agenda",
    responses={409: {"description": "The agenda would exceed 100 items (`agenda_full`)."}},
)
async def add_from_bank(
    body: AgendaFromBank, access: FromBankWriter, interview_id: InterviewId, db: WriteDb
) -> Response:
    items = await agenda.add_from_bank(db, access.workspace_id, interview_id, body.question_ids)
    payload = AgendaItemList(data=items, has_more=False, next_cursor=None)
    return json_response(payload, 201)


@router.post(
    "/{interview_id}/agenda/reorder",
    operation_id="agenda_items_reorder",
    response_model=AgendaItemList,
    summary="Reorder the whole agenda",
)
async def reorder_agenda(
    body: AgendaReorder, access: Writer, interview_id: InterviewId, db: WriteDb
) -> Response:
    items = await agenda.reorder_agenda(db, access.workspace_id, interview_id, body.item_ids)
    return json_response(AgendaItemList(data=items, has_more=False, next_cursor=None))


@router.get(
    "/{interview_id}/agenda/{item_id}",
    operation_id="agenda_items_get",
    response_model=AgendaItem,
    summary="Get an agenda item",
)
async def get_agenda_item(
    request: Request, access: Reader, interview_id: InterviewId, item_id: ItemId, db: ReadDb
) -> Response:
    item = await agenda.get_item(db, access.workspace_id, interview_id, item_id)
    return item_response(request, item)


@router.patch(
    "/{interview_id}/agenda/{item_id}",
    operation_id="agenda_items_update",
    response_model=AgendaItem,
    summary="Update or move an agenda item (JSON Merge Patch)",
)
async def update_agenda_item(
    request: Request,
    body: AgendaItemUpdate,
    access: Writer,
    interview_id: InterviewId,
    item_id: ItemId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    item = await agenda.update_item(
        db, access.workspace_id, interview_id, item_id, body.changes(), if_match
    )
    return item_response(request, item)


@router.delete(
    "/{interview_id}/agenda/{item_id}",
    operation_id="agenda_items_delete",
    status_code=204,
    response_class=Response,
    summary="Remove an agenda item (later items move up)",
)
async def delete_agenda_item(
    access: Writer,
    interview_id: InterviewId,
    item_id: ItemId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    await agenda.delete_item(db, access.workspace_id, interview_id, item_id, if_match)
    return no_content()
