"""`/v1/workspaces/{workspace_id}/interviews`: interviews, their lifecycle actions and agendas."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import Field

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.db import Db
from app.core.dependencies import SnapshotDb
from app.core.query import comma_separated
from app.interviews import agenda, service
from app.interviews.expand import EXPANDABLE
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
    InterviewFilters,
    InterviewList,
    InterviewSchedule,
    InterviewUpdate,
)

router = routes.workspace_router("/interviews", tag="interviews")

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
InterviewId = Annotated[str, routes.id_path("interview's", "int", example=False)]
ItemId = Annotated[str, routes.id_path("agenda item's", "agi", example=False)]
_EXPAND = "Embed related objects: `person`, `organisation`, or both comma-separated."
Expand = Annotated[
    str | None, Query(description=_EXPAND, json_schema_extra=comma_separated(EXPANDABLE))
]
_TRANSITION_409 = routes.transition_conflict("interview's")
interviews = routes.ItemRoutes(
    router,
    "interviews",
    "/{interview_id}",
    [InterviewId],
    model=Interview,
    reader=Reader,
    writer=Writer,
)


class InterviewQuery(routes.PageQuery, orders=service.ORDERS, filters=InterviewFilters):
    """`GET …/interviews` query parameters (read with `app.core.query.query_model`)."""

    sort: str = routes.sort_field(
        service.ORDERS, "created_at", "Unscheduled interviews come last by `scheduled_at`."
    )
    expand: str | None = Field(
        default=None, description=_EXPAND, json_schema_extra=comma_separated(EXPANDABLE)
    )


# --- interviews ---------------------------------------------------------------------------------


def _expanding(read: routes.Service) -> routes.Service:
    """`read` taking `expand` as the query has it: parsed first (an unknown name is a 422)."""

    async def call(db: Db, *, expand: str | None, **arguments: Any) -> Any:
        return await read(db, **arguments, expand=service.parse_expand(expand))

    return call


interviews.filtered_page(
    "List interviews, filtered and sorted",
    InterviewList,
    InterviewQuery,
    _expanding(service.list_interviews),
    rows=service.INTERVIEW_JSON,
    description="A page of interviews (`limit`, `cursor`), filtered by `status`, `person_id`, "
    "`organisation_id`, `scheduled_after`, `scheduled_before` and `q`, combined with AND, and "
    "sorted by `created_at` (default) or `scheduled_at` (unscheduled ones last). "
    "`?expand=person,organisation` embeds the interviewee and the organisation in the same query; "
    "it needs `people:read` or `organisations:read` as well.",
)
interviews.create(
    "Plan an interview with a person",
    InterviewCreate,
    service.create_interview,
    description="Takes the interviewee's `person_id` and the preparation and logistics fields; "
    "answers 201 with the interview, `planned`, and its `Location`. When `organisation_id` is "
    "omitted it is the person's organisation (send `null` for none). `status` and the times are "
    "set only by the actions; an unknown person or organisation is 422 `person_not_found` or "
    "`organisation_not_found`.",
)
interviews.get(
    "Get an interview",
    _expanding(service.get_interview),
    query={"expand": (Expand, None)},
    description="One interview with its `status`, `allowed_actions`, logistics, preparation and "
    "outcome, with an `ETag` (304 on `If-None-Match`). `?expand=person,organisation` embeds the "
    "interviewee and the organisation, needing `people:read` or `organisations:read` too; an "
    "unknown name is 422 `invalid_expand`.",
)
interviews.update(
    "Update an interview (JSON Merge Patch; not its status)",
    InterviewUpdate,
    service.update_interview,
    description="Changes the person, preparation, logistics, notes and outcome; `reflection` is "
    "merged member by member, as RFC 7396 says for nested objects. `status`, `scheduled_at`, "
    "`started_at` and `ended_at` are set only by the actions (422 `extra_forbidden`), and "
    "`person_id` and `duration_minutes` cannot be null. `If-Match` compares with the ETag of the "
    "unexpanded interview (412 `precondition_failed`).",
)
interviews.delete(
    "Delete an interview and its agenda",
    service.delete_interview,
    description="Deletes the interview in any status, with its agenda and its follow-ups, and "
    "answers 204. Referrals, outreach and leads that named it are kept, their link to it cleared. "
    "A stale `If-Match` is 412 `precondition_failed`.",
)

# --- lifecycle actions --------------------------------------------------------------------------


def _transition(action: InterviewAction) -> routes.Service:
    """`service.transition` for one action, taking its arguments as `ItemRoutes.action` passes
    them."""

    async def act(
        db: Db, *, workspace_id: str, interview_id: str, body: Any = None, if_match: str | None
    ) -> Interview:
        return await service.transition(
            db,
            workspace_id=workspace_id,
            interview_id=interview_id,
            action=action,
            if_match=if_match,
            body=body,
        )

    return act


# What each action does beyond its summary (an SDK method's doc comment).
_ACTION_DESCRIPTIONS = {
    InterviewAction.schedule: "Moves a `planned` or `requested` interview to `scheduled` "
    "(straight from `planned` when the person agreed on the spot). Takes `scheduled_at`, which "
    "may be in the past to record an interview after the fact, and optionally `timezone`, "
    "`duration_minutes`, `format`, `location` and `meeting_url`; those left out keep their value. "
    "Another status is 409 `invalid_transition`.",
    InterviewAction.reschedule: "Takes the body `schedule` takes: the new `scheduled_at` and any "
    "logistics to change (those left out keep their value). Only for a `scheduled` interview, "
    "which stays `scheduled`; another status is 409 `invalid_transition`.",
    InterviewAction.complete: "Moves a `scheduled` interview to `completed` with its actual "
    "times: `ended_at` defaults to now and `started_at` to `ended_at` minus `duration_minutes` "
    "(422 `ended_before_started` when reversed). In the same transaction a `thank_you` follow-up "
    "is written, due `thank_you_due_hours` (48 by default) after `ended_at`, and the interviewee "
    "moves up to `interviewed`. Another status is 409 `invalid_transition`.",
    InterviewAction.request: "Moves a `planned` interview to `requested` once the person has been "
    "asked; it takes no body. Another status is 409 `invalid_transition`, listing the "
    "`allowed_actions`.",
    InterviewAction.cancel: "Moves the interview to `cancelled`, a final status; it takes no "
    "body. A `completed`, `declined`, `cancelled` or `no_show` interview is 409 "
    "`invalid_transition`.",
    InterviewAction.decline: "Moves a `planned` or `requested` interview to `declined`, a final "
    "status; it takes no body. A scheduled or finished interview is 409 `invalid_transition` "
    "(cancel a scheduled one instead).",
    InterviewAction.no_show: "Moves a `scheduled` interview to `no_show`, a final status; it "
    "takes no body and, unlike `complete`, writes no thank-you follow-up. Another status is 409 "
    "`invalid_transition`.",
}
# (action, summary, body): each is `POST /{interview_id}/<action>`, operation `interviews_<action>`.
for _action, _summary, _body in (
    (InterviewAction.schedule, "Agree a time (from planned or requested)", InterviewSchedule),
    (InterviewAction.reschedule, "Move a scheduled interview to another time", InterviewSchedule),
    (InterviewAction.complete, "Record that a scheduled interview took place", InterviewComplete),
    (InterviewAction.request, "Mark that the interview was asked for", None),
    (InterviewAction.cancel, "Cancel a planned, requested or scheduled interview", None),
    (InterviewAction.decline, "Record that the person declined", None),
    (InterviewAction.no_show, "Record that a scheduled interview did not happen", None),
):
    interviews.action(
        _action.value.replace("_", "-"),
        _summary,
        _transition(_action),
        body=_body,
        description=_ACTION_DESCRIPTIONS[_action],
        responses=_TRANSITION_409,
    )


# --- agenda -------------------------------------------------------------------------------------


agenda_items = interviews.like(
    "agenda_items", "/{interview_id}/agenda/{item_id}", [InterviewId, ItemId], model=AgendaItem
)
agenda_items.list_page(
    "List an interview's agenda in order",
    AgendaItemList,
    agenda.list_agenda,
    db=SnapshotDb,
    description="The interview's agenda items in position order (1..n), paginated (`limit`, "
    "`cursor`), each with the question-quality `warnings` its text trips. An unknown interview, "
    "or another workspace's, is 404.",
)
agenda_items.create(
    "Add an ad hoc agenda item",
    AgendaItemCreate,
    agenda.create_item,
    description="Takes `{text, category?, answer?, asked?, position?}`: without `position`, or "
    "with one past the end, the item is appended; otherwise it is inserted there and later items "
    "move down. Answers 201 with the item and its `Location`. An agenda holds at most 100 items "
    "(409 `agenda_full`).",
    responses={409: {"description": "The agenda already has 100 items (`agenda_full`)."}},
)
agenda_items.action(
    "from-bank",
    "Append copies of question-bank questions to the agenda",
    agenda.add_from_bank,
    body=AgendaFromBank,
    takes="question_ids",
    created=True,
    envelope=AgendaItemList,
    collection=True,
    access=FromBankWriter,
    description="Takes `{question_ids}` (1–50) from the workspace's banks or the built-in one and "
    "appends a copy of each, in that order: the item keeps its `question_id` and a snapshot of "
    "the wording and category. Answers 201 with the new items as a list. An id the workspace "
    "cannot see is 422 `question_not_found` and nothing is added; needs `questions:read` as well "
    "as `interviews:write`.",
    responses={409: {"description": "The agenda would exceed 100 items (`agenda_full`)."}},
)
agenda_items.action(
    "reorder",
    "Reorder the whole agenda",
    agenda.reorder_agenda,
    body=AgendaReorder,
    takes="item_ids",
    envelope=AgendaItemList,
    collection=True,
    description="Takes `{item_ids}` naming every item of the agenda exactly once, in the new "
    "order, and answers 200 with the whole agenda (`has_more: false`). A missing, repeated, "
    "unknown or other interview's id is 422 `agenda_mismatch` and nothing moves.",
)
agenda_items.get(
    "Get an agenda item",
    agenda.get_item,
    description="One item of the interview's agenda: its `position`, `text`, `category`, "
    "`answer`, `asked` and `warnings`, with an `ETag`. An item is found only under its own "
    "interview (404 otherwise).",
)
agenda_items.update(
    "Update or move an agenda item (JSON Merge Patch)",
    AgendaItemUpdate,
    agenda.update_item,
    description="Changes `text`, `category`, `answer` or `asked`; a new `position` moves the item "
    "and shifts the items between by one (past the end means last). `text`, `asked` and "
    "`position` cannot be null (422 `not_nullable`); a stale `If-Match` is 412 "
    "`precondition_failed`.",
)
agenda_items.delete(
    "Remove an agenda item (later items move up)",
    agenda.delete_item,
    description="Deletes the item and closes the gap, so positions stay 1..n, and answers 204. A "
    "stale `If-Match` is 412 `precondition_failed` and nothing changes.",
)
