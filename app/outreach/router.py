"""`/v1/workspaces/{workspace_id}/outreach`: attempts to reach people and what came of them."""

from __future__ import annotations

from typing import Annotated

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.outreach import service
from app.outreach.schemas import (
    Outreach,
    OutreachAccept,
    OutreachCreate,
    OutreachFilters,
    OutreachList,
    OutreachResponse,
    OutreachSend,
    OutreachUpdate,
)

router = routes.workspace_router("/outreach", tag="outreach")

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("outreach:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("outreach:write")]
OutreachId = Annotated[str, routes.id_path("outreach's", "out")]
_TRANSITION_409 = routes.transition_conflict("outreach's")
# An answer: also 409 when `responded_at` precedes the attempt's stored `sent_at`.
_ANSWER_409 = {
    409: {
        "description": _TRANSITION_409[409]["description"]
        + " Or `responded_at` precedes the attempt's `sent_at` (`responded_before_sent`)."
    }
}


class OutreachQuery(routes.PageQuery, orders=service.ORDERS, filters=OutreachFilters):
    sort: str = routes.sort_field(service.ORDERS, "created_at", "Drafts come last by `sent_at`.")


async def _may_create_interview(call: routes.Call) -> None:
    if call.body.create_interview:
        # Accepting creates an interview: the caller must be allowed to create one.
        call.access.require("interviews:write")


attempts = routes.ItemRoutes(
    router, "outreach", "/{outreach_id}", [OutreachId], model=Outreach, reader=Reader, writer=Writer
)
attempts.filtered_page(
    "List outreach attempts, filtered and sorted",
    OutreachList,
    OutreachQuery,
    service.list_outreach,
    description="A page of outreach (`limit`, `cursor`), filtered by `person_id`, `status`, "
    "`channel`, `strategy`, `sent_after` and `sent_before`, combined with AND; the date filters "
    "leave out drafts. Sorted by `created_at` (default) or `sent_at` (drafts last).",
)
attempts.create(
    "Record an outreach: a draft, or an attempt already made",
    OutreachCreate,
    service.create_outreach,
    description="With status `sent`, the person moves up to `contacted` and their "
    "`last_contacted_at` up to `sent_at`, in the same transaction.",
)
attempts.get(
    "Get an outreach",
    service.get_outreach,
    description="One outreach with its `status`, `allowed_actions`, `sent_at`, `responded_at` and "
    "linked `interview_id`, with an `ETag` (304 on `If-None-Match`). Another workspace's outreach "
    "is 404.",
)
attempts.update(
    "Update an outreach (JSON Merge Patch; not its status or times)",
    OutreachUpdate,
    service.update_outreach,
    description="May change `channel`, `strategy`, `introduced_by_id`, `template_id`, `subject`, "
    "`body`, `notes` and `interview_id` (an interview of this workspace with the same person, "
    "else 422 `interview_not_found`). `person_id`, `status`, `sent_at` and `responded_at` are 422 "
    "`extra_forbidden`: the actions set them. A stale `If-Match` is 412 `precondition_failed`.",
)
attempts.delete(
    "Delete an outreach (the person's stage stays)",
    service.delete_outreach,
    description="Deletes the record only and answers 204: the person's `relationship_stage` and "
    "`last_contacted_at` stay, as stages never move backwards, and a linked interview is kept. A "
    "stale `If-Match` is 412 `precondition_failed`.",
)

# --- actions ------------------------------------------------------------------------------------

attempts.action(
    "send",
    "Mark a draft as sent",
    service.send,
    body=OutreachSend,
    takes="sent_at",
    description="The person moves up to `contacted` and `last_contacted_at` up to `sent_at`.",
    responses=_TRANSITION_409,
)
attempts.action(
    "accept",
    "Record that the person agreed, creating the requested interview",
    service.accept,
    body=OutreachAccept,
    before=_may_create_interview,
    description="Unless `create_interview` is false (or an interview is already linked), a "
    "`requested` interview with the person is created and linked in the same transaction. "
    "The person moves up to `responded`.",
    responses=_ANSWER_409,
)
attempts.action(
    "decline",
    "Record that the person declined",
    service.decline,
    body=OutreachResponse,
    takes="responded_at",
    description="They answered, so they move up to `responded` all the same.",
    responses=_ANSWER_409,
)
attempts.action(
    "no-response",
    "Record that a sent outreach got no answer",
    service.record_no_response,
    description="Moves a `sent` outreach to `no_response`; it takes no body and leaves the "
    "person's stage as it is. A late answer can still be recorded with `accept` or `decline`; "
    "another status is 409 `invalid_transition`.",
    responses=_TRANSITION_409,
)
