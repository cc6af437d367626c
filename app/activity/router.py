"""HTTP routes for activity: a person's timeline."""

from __future__ import annotations

from typing import Annotated, Any

from app.activity import service
from app.activity.schemas import TimelineEntryList
from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb

router = routes.workspace_router(tag="activity")

Reader = Annotated[WorkspaceAccess, workspace_scope("people:read")]
PersonId = Annotated[str, routes.id_path("person's", "per", example=False)]


def _readable_kinds(call: routes.Call) -> dict[str, Any]:
    """The kinds of entries the caller may read, as `kinds`."""
    scopes = service.KIND_SCOPES.items()
    return {"kinds": frozenset(k for k, scope in scopes if call.access.allows(scope))}


person = routes.ItemRoutes(
    router,
    "activity",
    "/people/{person_id}",
    [PersonId],
    model=TimelineEntryList,
    reader=Reader,
    writer=Reader,
)
person.list_page(
    "A person's outreach, interviews, follow-ups and leads, newest first",
    TimelineEntryList,
    service.person_timeline,
    below="timeline",
    verb="timeline",
    db=SnapshotDb,
    more=_readable_kinds,
    description="Entries of a kind appear only when the caller may read that kind "
    "(`outreach:read`, `interviews:read`, `follow_ups:read`, `leads:read`).",
)
