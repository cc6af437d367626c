"""HTTP routes for follow-ups, their actions and an interview's thank-you note."""

from __future__ import annotations

from typing import Annotated

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.follow_ups import actions, service
from app.follow_ups.schemas import (
    FollowUp,
    FollowUpComplete,
    FollowUpCreate,
    FollowUpFilters,
    FollowUpList,
    FollowUpSnooze,
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
_TRANSITION_409 = routes.transition_conflict("follow-up's")


class FollowUpQuery(routes.PageQuery, orders=service.ORDERS, filters=FollowUpFilters):
    sort: str = routes.sort_field(
        service.ORDERS,
        service.DEFAULT_SORT,
        "Follow-ups without a due time come last in either direction of the `due_at` sorts.",
    )


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
    "List follow-ups, filtered and sorted", FollowUpList, FollowUpQuery, service.list_follow_ups
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


interviews = follow_ups.like(
    "interviews",
    "/interviews/{interview_id}",
    [InterviewId],
    writer=ThankYouWriter,
    tags=["interviews"],
)
interviews.action(
    "thank-you",
    "Record the thank-you note sent after an interview",
    actions.record_thank_you,
    body=ThankYouNote,
    if_match=False,
    responses={
        409: {
            "description": "The interview is not completed (`interview_not_completed`), or its "
            "note is already recorded (`thank_you_already_sent`)."
        }
    },
)
