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
Expand = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Embed related objects: `person`, `organisation`, or both comma-separated.",
        examples=["person,organisation"],
    ),
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
        default=None,
        max_length=100,
        description="Embed related objects: `person`, `organisation`, or both comma-separated.",
        examples=["person,organisation"],
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
)
interviews.create("Plan an interview with a person", InterviewCreate, service.create_interview)
interviews.get(
    "Get an interview", _expanding(service.get_interview), query={"expand": (Expand, None)}
)
interviews.update(
    "Update an interview (JSON Merge Patch; not its status)",
    InterviewUpdate,
    service.update_interview,
)
interviews.delete("Delete an interview and its agenda", service.delete_interview)

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
        responses=_TRANSITION_409,
    )


# --- agenda -------------------------------------------------------------------------------------


agenda_items = interviews.like(
    "agenda_items", "/{interview_id}/agenda/{item_id}", [InterviewId, ItemId], model=AgendaItem
)
agenda_items.list_page(
    "List an interview's agenda in order", AgendaItemList, agenda.list_agenda, db=SnapshotDb
)
agenda_items.create(
    "Add an ad hoc agenda item",
    AgendaItemCreate,
    agenda.create_item,
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
)
agenda_items.get("Get an agenda item", agenda.get_item)
agenda_items.update(
    "Update or move an agenda item (JSON Merge Patch)", AgendaItemUpdate, agenda.update_item
)
agenda_items.delete("Remove an agenda item (later items move up)", agenda.delete_item)
