"""HTTP route for the home agenda: today's follow-ups and interviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb
from app.core.responses import json_response
from app.core.schemas import TimeZoneName
from app.home import service
from app.home.schemas import HomeAgenda

router = routes.workspace_router()

# The home screen is the follow-ups' (its tag and scope); interviews only fill in when allowed.
Reader = Annotated[WorkspaceAccess, workspace_scope("follow_ups:read")]


@router.get(
    "/agenda",
    tags=["follow-ups"],
    operation_id="follow_ups_agenda",
    response_model=HomeAgenda,
    summary="Today: overdue and due follow-ups, and today's interviews",
    description="`interviews_today` is filled only for callers who may read interviews "
    "(`interviews:read`); every role can.",
)
async def home_agenda(
    access: Reader,
    db: SnapshotDb,
    timezone: Annotated[
        TimeZoneName | None,
        Query(description="The IANA zone that defines today; defaults to the workspace's."),
    ] = None,
) -> Response:
    agenda = await service.home_agenda(
        db,
        workspace_id=access.workspace_id,
        timezone=timezone,
        with_interviews=access.allows("interviews:read"),
    )
    return json_response(agenda)
