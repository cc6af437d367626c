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
leads.filtered_page(
    "List leads",
    LeadList,
    LeadQuery,
    service.list_leads,
    description="A page of leads (`limit`, `cursor`), filtered by `status`, `organisation_id` and "
    "`source_person_id`, combined with AND, and sorted by `created_at` (default) or `updated_at`, "
    "each with its `-` reverse. Needs `leads:read`.",
)
leads.create(
    "Record a lead (and, with `follow_up_due_at`, a follow-up to act on it)",
    LeadCreate,
    service.create_lead,
    description="Takes `title` and optionally `organisation_id`, `source_person_id`, "
    "`source_interview_id`, `status` (default `heard_of`), `url` and `notes`; with an interview "
    "and no `source_person_id`, the source is its interviewee. `follow_up_due_at`, not stored on "
    "the lead, writes an `act_on_lead` follow-up due then, in the same transaction. A reference "
    "the workspace does not have is 422 (`organisation_not_found`, `person_not_found`, "
    "`interview_not_found`).",
)
leads.get(
    "Get a lead",
    service.get_lead,
    description="One lead with its `status`, source person and interview, and organisation, with "
    "an `ETag` (304 on `If-None-Match`). Another workspace's lead is 404.",
)
leads.update(
    "Change a lead (JSON Merge Patch)",
    LeadUpdate,
    service.update_lead,
    description="`null` clears any field but `title` and `status`; `status` may move in any "
    "direction (a lead can be reopened). References must be this workspace's (422), and "
    "`follow_up_due_at` is not accepted here. A stale `If-Match` is 412 `precondition_failed`.",
)
leads.delete(
    "Delete a lead (and its follow-ups)",
    service.delete_lead,
    description="Deletes the lead and, in the same transaction, the follow-ups about it; answers "
    "204. A stale `If-Match` is 412 `precondition_failed` and nothing is deleted.",
)
