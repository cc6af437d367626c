"""HTTP routes for organisations."""

from __future__ import annotations

from typing import Annotated

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.organisations import service
from app.organisations.schemas import (
    Organisation,
    OrganisationCreate,
    OrganisationFilters,
    OrganisationList,
    OrganisationUpdate,
)

router = routes.workspace_router("/organisations", tag="organisations")

# The caller is resolved before a WriteDb parameter opens its transaction.
OrganisationsReader = Annotated[WorkspaceAccess, workspace_scope("organisations:read")]
OrganisationsWriter = Annotated[WorkspaceAccess, workspace_scope("organisations:write")]
OrganisationId = Annotated[str, routes.id_path("organisation's", "org")]
_NAME_TAKEN: dict[int | str, dict[str, object]] = {
    409: {"description": "Another organisation has that name (`organisation_name_taken`)."}
}


class OrganisationQuery(
    routes.PageQuery, paging_first=True, orders=service.ORDERS, filters=OrganisationFilters
):
    sort: str = routes.sort_field(
        service.ORDERS,
        service.DEFAULT_SORT,
        "Unranked organisations come last in either `target_rank` order.",
    )


organisations = routes.ItemRoutes(
    router,
    "organisations",
    "/{organisation_id}",
    [OrganisationId],
    model=Organisation,
    reader=OrganisationsReader,
    writer=OrganisationsWriter,
)
organisations.filtered_page(
    "List organisations, filtered and sorted",
    OrganisationList,
    OrganisationQuery,
    service.list_organisations,
)
organisations.create(
    "Create an organisation", OrganisationCreate, service.create_organisation, responses=_NAME_TAKEN
)
organisations.get("Get an organisation", service.get_organisation)
organisations.update(
    "Update an organisation (JSON Merge Patch)",
    OrganisationUpdate,
    service.update_organisation,
    responses=_NAME_TAKEN,
)
organisations.delete(
    "Delete an organisation; its people and interviews are kept, without it",
    service.delete_organisation,
)
