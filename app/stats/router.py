"""`GET /v1/workspaces/{workspace_id}/stats`: the seeker's funnel, pace and progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.db import utcnow
from app.core.dependencies import SnapshotDb
from app.core.responses import item_response
from app.core.schemas import UtcDatetime
from app.stats import service
from app.stats.schemas import Stats

router = routes.workspace_router("/stats", tag="stats")


@router.get(
    "",
    operation_id="stats_get",
    response_model=Stats,
    summary="Get the workspace's funnel, rates, weekly pace and progress toward its goal",
    description="Computed when read, with aggregate queries. `as_of` places the 12-week "
    "series (for reproducible reports); every other figure describes the records as they are.",
)
async def get_stats(
    request: Request,
    access: Annotated[WorkspaceAccess, workspace_scope("stats:read", "organisations:read")],
    db: SnapshotDb,
    as_of: Annotated[
        UtcDatetime | None,
        Query(
            description="End of the weekly series: an RFC 3339 instant with an offset; "
            "default now.",
            examples=["2026-11-25T12:00:00Z"],
        ),
    ] = None,
) -> Response:
    stats = await service.workspace_stats(
        db, workspace_id=access.workspace_id, as_of=as_of or utcnow()
    )
    return item_response(request, stats)
