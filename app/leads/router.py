"""HTTP routes for leads: `/v1/workspaces/{workspace_id}/leads`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.pagination import DEFAULT_LIMIT
from app.leads import service
from app.leads.schemas import Lead, LeadCreate, LeadList, LeadStatus, LeadUpdate

router = routes.workspace_router("/leads", tag="leads")

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("leads:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("leads:write")]
LeadId = Annotated[str, routes.id_path("lead's", "led")]
_SORTS = ", ".join(f"`{name}`" for name in service.ORDERS)


class LeadQuery(routes.PageQuery):
    status: LeadStatus | None = Field(None, description="Only leads at this status.")
    organisation_id: str | None = Field(
        None, max_length=64, description="Only leads at this organisation (`org_…`)."
    )
    source_person_id: str | None = Field(
        None, max_length=64, description="Only leads this person (`per_…`) was the source of."
    )
    sort: str = Field(
        service.DEFAULT_SORT, max_length=32, description=f"One of {_SORTS}; `-` sorts descending."
    )
    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None


leads = routes.ItemRoutes(
    router, "leads", "/{lead_id}", [LeadId], model=Lead, reader=Reader, writer=Writer
)
leads.filtered_page(
    "List leads",
    LeadList,
    LeadQuery,
    service.list_leads,
    filters=service.LeadFilters,
    orders=service.ORDERS,
)
leads.create(
    "Record a lead (and, with `follow_up_due_at`, a follow-up to act on it)",
    LeadCreate,
    service.create_lead,
)
leads.get("Get a lead", service.get_lead)
leads.update("Change a lead (JSON Merge Patch)", LeadUpdate, service.update_lead)
leads.delete("Delete a lead (and its follow-ups)", service.delete_lead)
