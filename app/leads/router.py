"""HTTP routes for leads: `/v1/workspaces/{workspace_id}/leads`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core.dependencies import IfMatch, ReadDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, resolve_sort
from app.core.responses import item_response, no_content, page_response
from app.core.routing import CheckedRoute
from app.leads import service
from app.leads.schemas import Lead, LeadCreate, LeadList, LeadStatus, LeadUpdate

router = APIRouter(
    route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}/leads", tags=["leads"]
)

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("leads:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("leads:write")]
LeadId = Annotated[
    str,
    Path(description="The lead's id (`led_…`).", examples=["led_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"]),
]
_SORTS = ", ".join(f"`{name}`" for name in service.ORDERS)


def _location(lead: Lead) -> str:
    return f"/v1/workspaces/{lead.workspace_id}/leads/{lead.id}"


@router.get("", operation_id="leads_list", response_model=LeadList, summary="List leads")
async def list_leads(
    request: Request,
    access: Reader,
    db: ReadDb,
    status: Annotated[LeadStatus | None, Query(description="Only leads at this status.")] = None,
    organisation_id: Annotated[
        str | None, Query(max_length=64, description="Only leads at this organisation (`org_…`).")
    ] = None,
    source_person_id: Annotated[
        str | None,
        Query(max_length=64, description="Only leads this person (`per_…`) was the source of."),
    ] = None,
    sort: Annotated[
        str, Query(max_length=32, description=f"One of {_SORTS}; `-` sorts descending.")
    ] = service.DEFAULT_SORT,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    filters = service.LeadFilters(
        status=status, organisation_id=organisation_id, source_person_id=source_person_id
    )
    data, page = await service.list_leads(
        db,
        access.workspace_id,
        filters,
        order=resolve_sort(sort, service.ORDERS),
        cursor=cursor,
        limit=limit,
    )
    return page_response(request, LeadList, data, page)


@router.post(
    "",
    operation_id="leads_create",
    status_code=201,
    response_model=Lead,
    summary="Record a lead (and, with `follow_up_due_at`, a follow-up to act on it)",
)
async def create_lead(request: Request, body: LeadCreate, access: Writer, db: WriteDb) -> Response:
    lead = await service.create_lead(db, access.workspace_id, body)
    return item_response(request, lead, status=201, location=_location(lead))


@router.get("/{lead_id}", operation_id="leads_get", response_model=Lead, summary="Get a lead")
async def get_lead(request: Request, access: Reader, lead_id: LeadId, db: ReadDb) -> Response:
    return item_response(request, await service.get_lead(db, access.workspace_id, lead_id))


@router.patch(
    "/{lead_id}",
    operation_id="leads_update",
    response_model=Lead,
    summary="Change a lead (JSON Merge Patch)",
)
async def update_lead(
    request: Request,
    body: LeadUpdate,
    access: Writer,
    lead_id: LeadId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    lead = await service.update_lead(db, access.workspace_id, lead_id, body.changes(), if_match)
    return item_response(request, lead)


@router.delete(
    "/{lead_id}",
    operation_id="leads_delete",
    status_code=204,
    response_class=Response,
    summary="Delete a lead (and its follow-ups)",
)
async def delete_lead(
    access: Writer, lead_id: LeadId, db: WriteDb, if_match: IfMatch = None
) -> Response:
    await service.delete_lead(db, access.workspace_id, lead_id, if_match)
    return no_content()
