"""HTTP routes for follow-ups, their actions and an interview's thank-you note."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from pydantic import Field
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import WriteDb
from app.core.pagination import DEFAULT_LIMIT
from app.core.responses import item_response
from app.core.schemas import UtcDatetime
from app.follow_ups import actions, service
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
router = routes.workspace_router()

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("follow_ups:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("follow_ups:write")]
# Recording the thank-you note writes (and answers with) the interview's thank-you follow-up.
ThankYouWriter = Annotated[WorkspaceAccess, workspace_scope("interviews:write", "follow_ups:write")]
FollowUpId = Annotated[str, routes.id_path("follow-up's", "fup")]
InterviewId = Annotated[str, routes.id_path("interview's", "int", example=False)]
_SORTS = ", ".join(f"`{name}`" for name in service.ORDERS)
_TRANSITION_409 = routes.transition_conflict("follow-up's")


class FollowUpQuery(routes.PageQuery):
    status: FollowUpStatus | None = Field(
        None, description="Only this status (snoozed follow-ups are `snoozed` until reopened)."
    )
    kind: FollowUpKind | None = Field(None, description="Only this kind.")
    person_id: str | None = Field(
        None, max_length=64, description="Only about this person (`per_…`)."
    )
    interview_id: str | None = Field(
        None, max_length=64, description="Only from this interview (`int_…`)."
    )
    due_after: UtcDatetime | None = Field(
        None, description="Only due at or after this instant (an offset is required)."
    )
    due_before: UtcDatetime | None = Field(
        None, description="Only due before this instant (an offset is required)."
    )
    sort: str = Field(
        service.DEFAULT_SORT,
        max_length=32,
        description=f"One of {_SORTS}; `-` sorts descending. Follow-ups without a due "
        "time come last in either direction of the `due_at` sorts.",
    )
    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None


follow_ups = routes.ItemRoutes(
    router,
    "follow_ups",
    "/follow-ups/{follow_up_id}",
    [FollowUpId],
    model=FollowUp,
    reader=Reader,
    writer=Writer,
    tags=["follow-ups"],
)
follow_ups.filtered_page(
    "List follow-ups, filtered and sorted",
    FollowUpList,
    FollowUpQuery,
    service.list_follow_ups,
    filters=service.FollowUpFilters,
    orders=service.ORDERS,
)
follow_ups.create("Create a follow-up", FollowUpCreate, service.create)
follow_ups.get("Get a follow-up", service.get)
follow_ups.update(
    "Update a follow-up (JSON Merge Patch; not its status)",
    FollowUpUpdate,
    service.update_follow_up,
)
follow_ups.delete("Delete a follow-up", service.delete_follow_up)

# --- actions: (path, summary, service, body, what the service takes of the body) ---------------

for _path, _summary, _act, _body, _takes in (
    (
        "complete",
        "Mark a follow-up done (and schedule the next stay-in-touch)",
        actions.complete,
        FollowUpComplete,
        None,
    ),
    ("snooze", "Put a follow-up off until a later time", actions.snooze, FollowUpSnooze, "until"),
    ("dismiss", "Drop a follow-up without doing it", actions.dismiss, None, None),
    ("reopen", "Open a done, snoozed or dismissed follow-up again", actions.reopen, None, None),
):
    follow_ups.action(_path, _summary, _act, body=_body, takes=_takes, responses=_TRANSITION_409)


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
    follow_up = await actions.record_thank_you(
        db, workspace_id=access.workspace_id, interview_id=interview_id, body=body
    )
    return item_response(request, follow_up)
