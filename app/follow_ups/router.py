"""HTTP routes for follow-ups, their actions and an interview's thank-you note."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core.dependencies import IfMatch, ReadDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, resolve_sort
from app.core.responses import item_response, no_content, page_response
from app.core.routing import CheckedRoute
from app.core.schemas import UtcDatetime
from app.follow_ups import service
from app.follow_ups.schemas import (
    FollowUp,
    FollowUpComplete,
    FollowUpCreate,
    FollowUpKind,
    FollowUpList,
    FollowUpSnooze,
    FollowUpStatus,
    FollowUpUpdate,
    ThankYouNote,
)

# Tags are per route: the thank-you note belongs with the interviews' operations.
router = APIRouter(route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}")

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("follow_ups:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("follow_ups:write")]
# Recording the thank-you note writes (and answers with) the interview's thank-you follow-up.
ThankYouWriter = Annotated[WorkspaceAccess, workspace_scope("interviews:write", "follow_ups:write")]
FollowUpId = Annotated[
    str,
    Path(
        description="The follow-up's id (`fup_…`).",
        examples=["fup_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]
InterviewId = Annotated[str, Path(description="The interview's id (`int_…`).")]
_SORTS = ", ".join(f"`{name}`" for name in service.ORDERS)
_TRANSITION_409: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The follow-up's status does not allow this action "
        "(`invalid_transition`; `allowed_actions` lists those it does)."
    }
}


def _location(workspace_id: str, follow_up_id: str) -> str:
    return f"/v1/workspaces/{workspace_id}/follow-ups/{follow_up_id}"


@router.get(
    "/follow-ups",
    tags=["follow-ups"],
    operation_id="follow_ups_list",
    response_model=FollowUpList,
    summary="List follow-ups, filtered and sorted",
)
async def list_follow_ups(
    request: Request,
    access: Reader,
    db: ReadDb,
    status: Annotated[
        FollowUpStatus | None,
        Query(description="Only this status (snoozed follow-ups are `snoozed` until reopened)."),
    ] = None,
    kind: Annotated[FollowUpKind | None, Query(description="Only this kind.")] = None,
    person_id: Annotated[
        str | None, Query(max_length=64, description="Only about this person (`per_…`).")
    ] = None,
    interview_id: Annotated[
        str | None, Query(max_length=64, description="Only from this interview (`int_…`).")
    ] = None,
    due_after: Annotated[
        UtcDatetime | None,
        Query(description="Only due at or after this instant (an offset is required)."),
    ] = None,
    due_before: Annotated[
        UtcDatetime | None,
        Query(description="Only due before this instant (an offset is required)."),
    ] = None,
    sort: Annotated[
        str,
        Query(
            max_length=32,
            description=f"One of {_SORTS}; `-` sorts descending. Follow-ups without a due "
            "time come last in either direction of the `due_at` sorts.",
        ),
    ] = service.DEFAULT_SORT,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    filters = service.FollowUpFilters(
        status=status,
        kind=kind,
        person_id=person_id,
        interview_id=interview_id,
        due_after=due_after,
        due_before=due_before,
    )
    data, page = await service.list_follow_ups(
        db,
        access.workspace_id,
        filters,
        order=resolve_sort(sort, service.ORDERS),
        cursor=cursor,
        limit=limit,
    )
    return page_response(request, FollowUpList, data, page)


@router.post(
    "/follow-ups",
    tags=["follow-ups"],
    operation_id="follow_ups_create",
    status_code=201,
    response_model=FollowUp,
    summary="Create a follow-up",
)
async def create_follow_up(
    request: Request, body: FollowUpCreate, access: Writer, db: WriteDb
) -> Response:
    follow_up = await service.create(db, access.workspace_id, body)
    location = _location(access.workspace_id, follow_up.id)
    return item_response(request, follow_up, status=201, location=location)


@router.get(
    "/follow-ups/{follow_up_id}",
    tags=["follow-ups"],
    operation_id="follow_ups_get",
    response_model=FollowUp,
    summary="Get a follow-up",
)
async def get_follow_up(
    request: Request, access: Reader, follow_up_id: FollowUpId, db: ReadDb
) -> Response:
    return item_response(request, await service.get(db, access.workspace_id, follow_up_id))


@router.patch(
    "/follow-ups/{follow_up_id}",
    tags=["follow-ups"],
    operation_id="follow_ups_update",
    response_model=FollowUp,
    summary="Update a follow-up (JSON Merge Patch; not its status)",
)
async def update_follow_up(
    request: Request,
    body: FollowUpUpdate,
    access: Writer,
    follow_up_id: FollowUpId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    follow_up = await service.update_follow_up(
        db, access.workspace_id, follow_up_id, body.changes(), if_match
    )
    return item_response(request, follow_up)


@router.delete(
    "/follow-ups/{follow_up_id}",
    tags=["follow-ups"],
    operation_id="follow_ups_delete",
    status_code=204,
    response_class=Response,
    summary="Delete a follow-up",
)
async def delete_follow_up(
    access: Writer, follow_up_id: FollowUpId, db: WriteDb, if_match: IfMatch = None
) -> Response:
    await service.delete_follow_up(db, access.workspace_id, follow_up_id, if_match)
    return no_content()


# --- actions ------------------------------------------------------------------------------------


@router.post(
    "/follow-ups/{follow_up_id}/complete",
    tags=["follow-ups"],
    operation_id="follow_ups_complete",
    response_model=FollowUp,
    summary="Mark a follow-up done (and schedule the next stay-in-touch)",
    responses=_TRANSITION_409,
)
async def complete_follow_up(
    request: Request,
    body: FollowUpComplete,
    access: Writer,
    follow_up_id: FollowUpId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    follow_up = await service.complete(db, access.workspace_id, follow_up_id, body, if_match)
    return item_response(request, follow_up)


@router.post(
    "/follow-ups/{follow_up_id}/snooze",
    tags=["follow-ups"],
    operation_id="follow_ups_snooze",
    response_model=FollowUp,
    summary="Put a follow-up off until a later time",
    responses=_TRANSITION_409,
)
async def snooze_follow_up(
    request: Request,
    body: FollowUpSnooze,
    access: Writer,
    follow_up_id: FollowUpId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    follow_up = await service.snooze(db, access.workspace_id, follow_up_id, body.until, if_match)
    return item_response(request, follow_up)


@router.post(
    "/follow-ups/{follow_up_id}/dismiss",
    tags=["follow-ups"],
    operation_id="follow_ups_dismiss",
    response_model=FollowUp,
    summary="Drop a follow-up without doing it",
    responses=_TRANSITION_409,
)
async def dismiss_follow_up(
    request: Request,
    access: Writer,
    follow_up_id: FollowUpId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    follow_up = await service.dismiss(db, access.workspace_id, follow_up_id, if_match)
    return item_response(request, follow_up)


@router.post(
    "/follow-ups/{follow_up_id}/reopen",
    tags=["follow-ups"],
    operation_id="follow_ups_reopen",
    response_model=FollowUp,
    summary="Open a done, snoozed or dismissed follow-up again",
    responses=_TRANSITION_409,
)
async def reopen_follow_up(
    request: Request,
    access: Writer,
    follow_up_id: FollowUpId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    follow_up = await service.reopen(db, access.workspace_id, follow_up_id, if_match)
    return item_response(request, follow_up)


# --- the thank-you note ------------------------------------------------------------------------


@router.post(
    "/interviews/{interview_id}/thank-you",
    tags=["interviews"],
    operation_id="interviews_thank_you",
    response_model=FollowUp,
    summary="Record the thank-you note sent after an interview",
    responses={
        409: {
            "description": "The interview is not completed (`interview_not_completed`), or its "
            "note is already recorded (`thank_you_already_sent`)."
        }
    },
)
async def record_thank_you(
    request: Request,
    body: ThankYouNote,
    access: ThankYouWriter,
    interview_id: InterviewId,
    db: WriteDb,
) -> Response:
    follow_up = await service.record_thank_you(db, access.workspace_id, interview_id, body)
    return item_response(request, follow_up)
