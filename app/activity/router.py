"""HTTP routes for activity: a person's timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from starlette.responses import Response

from app.activity import service
from app.activity.schemas import TimelineEntryList
from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from app.core.responses import page_response

router = routes.workspace_router(tag="activity")

Reader = Annotated[WorkspaceAccess, workspace_scope("people:read")]
PersonId = Annotated[str, routes.id_path("person's", "per", example=False)]


@router.get(
    "/people/{person_id}/timeline",
    operation_id="activity_timeline",
    response_model=TimelineEntryList,
    summary="A person's outreach, interviews, follow-ups and leads, newest first",
    description="Entries of a kind appear only when the caller may read that kind "
    "(`outreach:read`, `interviews:read`, `follow_ups:read`, `leads:read`).",
)
async def person_timeline(
    request: Request,
    access: Reader,
    person_id: PersonId,
    db: SnapshotDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    kinds = frozenset(k for k, scope in service.KIND_SCOPES.items() if access.allows(scope))
    data, page = await service.person_timeline(
        db,
        workspace_id=access.workspace_id,
        person_id=person_id,
        kinds=kinds,
        cursor=cursor,
        limit=limit,
    )
    return page_response(request, TimelineEntryList, data, page)
