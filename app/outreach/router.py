"""`/v1/workspaces/{workspace_id}/outreach`: attempts to reach people and what came of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Request
from pydantic import Field
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import IfMatch, WriteDb
from app.core.pagination import DEFAULT_LIMIT
from app.core.responses import item_response
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

router = routes.workspace_router("/outreach", tag="outreach")

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("outreach:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("outreach:write")]
OutreachId = Annotated[str, routes.id_path("outreach's", "out")]
_TRANSITION_409 = routes.transition_conflict("outreach's")
_NO_ACCEPT_OPTIONS = OutreachAccept()


class OutreachQuery(routes.PageQuery):
    person_id: str | None = Field(None, max_length=64, description="Only to this person (`per_…`).")
    status: OutreachStatus | None = Field(None, description="Only this status.")
    channel: OutreachChannel | None = Field(None, description="Only this channel.")
    strategy: OutreachStrategy | None = Field(None, description="Only this strategy.")
    sent_after: UtcDatetime | None = Field(
        None, description="Only sent at or after this instant (an offset is required)."
    )
    sent_before: UtcDatetime | None = Field(
        None, description="Only sent before this instant (an offset is required)."
    )
    sort: str = Field(
        "created_at",
        max_length=20,
        description="`created_at`, `-created_at`, `sent_at` or `-sent_at` (drafts last).",
    )
    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None


attempts = routes.ItemRoutes(
    router, "outreach", "/{outreach_id}", [OutreachId], model=Outreach, reader=Reader, writer=Writer
)
attempts.filtered_page(
    "List outreach attempts, filtered and sorted",
    OutreachList,
    OutreachQuery,
    service.list_outreach,
    filters=service.OutreachFilters,
    orders=service.ORDERS,
)
attempts.create(
    "Record an outreach: a draft, or an attempt already made",
    OutreachCreate,
    service.create_outreach,
    description="With status `sent`, the person moves up to `contacted` and their "
    "`last_contacted_at` up to `sent_at`, in the same transaction.",
)
attempts.get("Get an outreach", service.get_outreach)
attempts.update(
    "Update an outreach (JSON Merge Patch; not its status or times)",
    OutreachUpdate,
    service.update_outreach,
)
attempts.delete("Delete an outreach (the person's stage stays)", service.delete_outreach)

# --- actions ------------------------------------------------------------------------------------

attempts.action(
    "send",
    "Mark a draft as sent",
    service.send,
    body=OutreachSend,
    optional=True,
    takes="sent_at",
    description="The person moves up to `contacted` and `last_contacted_at` up to `sent_at`.",
    responses=_TRANSITION_409,
)


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
    item = await service.accept(
        db, workspace_id=access.workspace_id, outreach_id=outreach_id, body=body, if_match=if_match
    )
    return item_response(request, item)


attempts.action(
    "decline",
    "Record that the person declined",
    service.decline,
    body=OutreachResponse,
    optional=True,
    takes="responded_at",
    description="They answered, so they move up to `responded` all the same.",
    responses=_TRANSITION_409,
)
attempts.action(
    "no-response",
    "Record that a sent outreach got no answer",
    service.record_no_response,
    responses=_TRANSITION_409,
)
