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
    "List follow-ups, filtered and sorted",
    FollowUpList,
    FollowUpQuery,
    service.list_follow_ups,
    description="A page of the workspace's follow-ups (`limit`, `cursor`), filtered by `status`, "
    "`kind`, `person_id`, `interview_id`, `due_after` and `due_before`, combined with AND; the "
    "date filters leave out follow-ups with no due time. Sorted by `due_at` (default) or "
    "`created_at`; `?status=open&due_before=<now>` is what is late.",
)
follow_ups.create(
    "Create a follow-up",
    FollowUpCreate,
    service.create,
    description="Takes `kind` and optionally `title` (by default the kind's), `notes`, `due_at` "
    "and the `person_id`, `interview_id` or `lead_id` it is about; with an `interview_id` and no "
    "`person_id`, the person is the interviewee. Answers 201 with the follow-up, `open`. A "
    "reference the workspace does not have is 422 `person_not_found`, `interview_not_found` or "
    "`lead_not_found`.",
)
follow_ups.get(
    "Get a follow-up",
    service.get,
    description="One follow-up with its `status`, `allowed_actions` and, once done, "
    "`completed_at`, `channel` and `on_time`, with an `ETag` (304 on `If-None-Match`). Another "
    "workspace's follow-up is 404.",
)
follow_ups.update(
    "Update a follow-up (JSON Merge Patch; not its status)",
    FollowUpUpdate,
    service.update_follow_up,
    description="May change `kind`, `title`, `notes`, `due_at` and the `person_id`, "
    "`interview_id` and `lead_id` references (`kind` and `title` not to null). `status`, "
    "`completed_at`, `channel`, `on_time` and `snoozed_until` change only through the actions: "
    "sending them is 422 `extra_forbidden`. A stale `If-Match` is 412 `precondition_failed`.",
)
follow_ups.delete(
    "Delete a follow-up",
    service.delete_follow_up,
    description="Deletes the follow-up, whatever its status, and answers 204; a stale `If-Match` "
    "is 412 `precondition_failed` and nothing is deleted. After an interview's thank-you "
    "follow-up is deleted, `interviews_thank_you` creates a new one when the note is recorded.",
)

# --- actions: (path, summary, service, body, what the service takes of the body) ---------------

# What each action does beyond its summary (an SDK method's doc comment), by path.
_ACTION_DESCRIPTIONS = {
    "complete": "From `open` or `snoozed` to `done`. The optional body `{completed_at?, channel?, "
    "notes?}` says when (default now) and how it was done, and new notes replace the old; "
    "`on_time` is `completed_at <= due_at` when there is a due time. Completing a `stay_in_touch` "
    "follow-up of a person with an interval writes the next one, due `completed_at` plus the "
    "interval, in the same transaction. Another status is 409 `invalid_transition`.",
    "snooze": "Takes `{until}`, which must be in the future (422 `in_the_past`); the follow-up "
    "becomes `snoozed` and both `snoozed_until` and `due_at` move to `until`. Works from `open` "
    "or `snoozed` (to snooze again); another status is 409 `invalid_transition`. The home agenda "
    "shows it under `due_today` from `until` on.",
    "dismiss": "From `open` or `snoozed` to `dismissed`; the record is kept. Dismissing a "
    "`stay_in_touch` follow-up stops the chain: no next one is scheduled until the person's "
    "interval is set again. Another status is 409 `invalid_transition`.",
    "reopen": "Back to `open` from `done`, `snoozed` or `dismissed`: `completed_at`, `channel`, "
    "`on_time` and `snoozed_until` are cleared and `due_at` stays. An `open` follow-up is 409 "
    "`invalid_transition`. Reopening a done thank-you follow-up lets `interviews_thank_you` "
    "record the note again.",
}

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
    follow_ups.action(
        _path,
        _summary,
        _act,
        body=_body,
        takes=_takes,
        description=_ACTION_DESCRIPTIONS[_path],
        responses=_TRANSITION_409,
    )


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
    description="Takes `{channel, sent_at?, note?}` and completes the interview's pending "
    "`thank_you` follow-up with them (`completed_at` is `sent_at`, default now), first creating "
    "one if none is pending; answers 200 with that follow-up. The interview must be `completed` "
    "(else 409 `interview_not_completed`), and a note already recorded is 409 "
    "`thank_you_already_sent`. Needs `interviews:write` and `follow_ups:write`.",
    responses={
        409: {
            "description": "The interview is not completed (`interview_not_completed`), or its "
            "note is already recorded (`thank_you_already_sent`)."
        }
    },
)
