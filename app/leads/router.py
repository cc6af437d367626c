"""HTTP routes for leads: `/v1/workspaces/{workspace_id}/leads`."""

from __future__ import annotations

from typing import Annotated

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.leads import service
from app.leads.schemas import Lead, LeadCreate, LeadFilters, LeadList, LeadUpdate

router = routes.workspace_router("/leads", tag="leads")

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("leads:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("leads:write")]
LeadId = Annotated[str, routes.id_path("lead's", "led")]


class LeadQuery(routes.PageQuery, orders=service.ORDERS, filters=LeadFilters):
    sort: str = routes.sort_field(service.ORDERS, service.DEFAULT_SORT)


leads = routes.ItemRoutes(
    router, "leads", "/{lead_id}", [LeadId], model=Lead, reader=Reader, writer=Writer
)
leads.filtered_page("List leads", LeadList, LeadQuery, service.list_leads)
leads.create(
    "Record a lead (and, with `follow_up_due_at`, a follow-up to act on it)",
    LeadCreate,
    service.create_lead,
)
leads.get("Get a lead", service.get_lead)
leads.update("Change a lead (JSON Merge Patch)", LeadUpdate, service.update_lead)
leads.delete("Delete a lead (and its follow-ups)", service.delete_lead)
