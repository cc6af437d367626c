"""`/v1/workspaces/{workspace_id}/outreach`: attempts to reach people and what came of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core.dependencies import IfMatch, ReadDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, resolve_sort
from app.core.responses import item_response, no_content, page_response
from app.core.routing import CheckedRoute
from app.core.schemas import UtcDatetime
from app.outreach import service
from app.outreach.schemas import (
    Outreach,
    OutreachAccept,
    OutreachChannel,
    OutreachCreate,
    OutreachList,
    OutreachResponse,
    OutreachSend,
    OutreachStatus,
    OutreachStrategy,
    OutreachUpdate,
)

router = APIRouter(
    route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}/outreach", tags=["outreach"]
)

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("outreach:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("outreach:write")]
OutreachId = Annotated[
    str,
    Path(
        description="The outreach's id (`out_…`).",
        examples=["out_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]
_TRANSITION_409: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The outreach's status does not allow this action "
        "(`invalid_transition`; `allowed_actions` lists those it does)."
    }
}
_NO_SEND_OPTIONS = OutreachSend()
_NO_RESPONSE_OPTIONS = OutreachResponse()
_NO_ACCEPT_OPTIONS = OutreachAccept()


def _location(workspace_id: str, outreach_id: str) -> str:
    return f"/v1/workspaces/{workspace_id}/outreach/{outreach_id}"


@router.get(
    "",
    operation_id="outreach_list",
    response_model=OutreachList,
    summary="List outreach attempts, filtered and sorted",
)
async def list_outreach(
    request: Request,
    access: Reader,
    db: ReadDb,
    person_id: Annotated[
        str | None, Query(max_length=64, description="Only to this person (`per_…`).")
    ] = None,
    status: Annotated[OutreachStatus | None, Query(description="Only this status.")] = None,
    channel: Annotated[OutreachChannel | None, Query(description="Only this channel.")] = None,
    strategy: Annotated[OutreachStrategy | None, Query(description="Only this strategy.")] = None,
    sent_after: Annotated[
        UtcDatetime | None,
        Query(description="Only sent at or after this instant (an offset is required)."),
    ] = None,
    sent_before: Annotated[
        UtcDatetime | None,
        Query(description="Only sent before this instant (an offset is required)."),
    ] = None,
    sort: Annotated[
        str,
        Query(
            max_length=20,
            description="`created_at`, `-created_at`, `sent_at` or `-sent_at` (drafts last).",
        ),
    ] = "created_at",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    filters = service.OutreachFilters(
        person_id=person_id,
        status=status,
        channel=channel,
        strategy=strategy,
        sent_after=sent_after,
        sent_before=sent_before,
    )
    data, page = await service.list_outreach(
        db,
        access.workspace_id,
        filters,
        order=resolve_sort(sort, service.ORDERS),
        cursor=cursor,
        limit=limit,
    )
    return page_response(request, OutreachList, data, page)


@router.post(
    "",
    operation_id="outreach_create",
    status_code=201,
    response_model=Outreach,
    summary="Record an outreach: a draft, or an attempt already made",
    description="With status `sent`, the person moves up to `contacted` and their "
    "`last_contacted_at` up to `sent_at`, in the same transaction.",
)
async def create_outreach(
    request: Request, body: OutreachCreate, access: Writer, db: WriteDb
) -> Response:
    item = await service.create_outreach(db, access.workspace_id, body)
    return item_response(
        request, item, status=201, location=_location(access.workspace_id, item.id)
    )


@router.get(
    "/{outreach_id}",
    operation_id="outreach_get",
    response_model=Outreach,
    summary="Get an outreach",
)
async def get_outreach(
    request: Request, access: Reader, outreach_id: OutreachId, db: ReadDb
) -> Response:
    return item_response(request, await service.get_outreach(db, access.workspace_id, outreach_id))


@router.patch(
    "/{outreach_id}",
    operation_id="outreach_update",
    response_model=Outreach,
    summary="Update an outreach (JSON Merge Patch; not its status or times)",
)
async def update_outreach(
    request: Request,
    body: OutreachUpdate,
    access: Writer,
    outreach_id: OutreachId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    item = await service.update_outreach(
        db, access.workspace_id, outreach_id, body.changes(), if_match
    )
    return item_response(request, item)


@router.delete(
    "/{outreach_id}",
    operation_id="outreach_delete",
    status_code=204,
    response_class=Response,
    summary="Delete an outreach (the person's stage stays)",
)
async def delete_outreach(
    access: Writer, outreach_id: OutreachId, db: WriteDb, if_match: IfMatch = None
) -> Response:
    await service.delete_outreach(db, access.workspace_id, outreach_id, if_match)
    return no_content()


# --- actions ------------------------------------------------------------------------------------


@router.post(
    "/{outreach_id}/send",
    operation_id="outreach_send",
    response_model=Outreach,
    summary="Mark a draft as sent",
    description="The person moves up to `contacted` and `last_contacted_at` up to `sent_at`.",
    responses=_TRANSITION_409,
)
async def send_outreach(
    request: Request,
    access: Writer,
    outreach_id: OutreachId,
    db: WriteDb,
    body: Annotated[OutreachSend, Body()] = _NO_SEND_OPTIONS,
    if_match: IfMatch = None,
) -> Response:
    item = await service.send(db, access.workspace_id, outreach_id, body.sent_at, if_match)
    return item_response(request, item)


@router.post(
    "/{outreach_id}/accept",
    operation_id="outreach_accept",
    response_model=Outreach,
    summary="Record that the person agreed, creating the requested interview",
    description="Unless `create_interview` is false (or an interview is already linked), a "
    "`requested` interview with the person is created and linked in the same transaction. "
    "The person moves up to `responded`.",
    responses=_TRANSITION_409,
)
async def accept_outreach(
    request: Request,
    access: Writer,
    outreach_id: OutreachId,
    db: WriteDb,
    body: Annotated[OutreachAccept, Body()] = _NO_ACCEPT_OPTIONS,
    if_match: IfMatch = None,
) -> Response:
    if body.create_interview:
        # Accepting creates an interview: the caller must be allowed to create one.
        access.require("interviews:write")
    item = await service.accept(db, access.workspace_id, outreach_id, body, if_match)
    return item_response(request, item)


@router.post(
    "/{outreach_id}/decline",
    operation_id="outreach_decline",
    response_model=Outreach,
    summary="Record that the person declined",
    description="They answered, so they move up to `responded` all the same.",
    responses=_TRANSITION_409,
)
async def decline_outreach(
    request: Request,
    access: Writer,
    outreach_id: OutreachId,
    db: WriteDb,
    body: Annotated[OutreachResponse, Body()] = _NO_RESPONSE_OPTIONS,
    if_match: IfMatch = None,
) -> Response:
    item = await service.decline(db, access.workspace_id, outreach_id, body.responded_at, if_match)
    return item_response(request, item)


@router.post(
    "/{outreach_id}/no-response",
    operation_id="outreach_no_response",
    response_model=Outreach,
    summary="Record that a sent outreach got no answer",
    responses=_TRANSITION_409,
)
async def no_response_outreach(
    request: Request,
    access: Writer,
    outreach_id: OutreachId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    item = await service.record_no_response(db, access.workspace_id, outreach_id, if_match)
    return item_response(request, item)
