"""HTTP routes for organisations."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.pagination import DEFAULT_LIMIT
from app.organisations import service
from app.organisations.schemas import (
    SHORT_TEXT_MAX,
    TAG_MAX,
    Organisation,
    OrganisationCreate,
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
_SORTS = ", ".join(f"`{name}`" for name in service.ORDERS)


class OrganisationQuery(routes.PageQuery):
    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None
    sort: str = Field(
        service.DEFAULT_SORT,
        max_length=32,
        description=f"One of {_SORTS}; `-` sorts descending. Unranked organisations come "
        "last in either `target_rank` order.",
    )
    is_target: bool | None = Field(
        None, description="Only organisations on (or off) the target list."
    )
    industry: str | None = Field(
        None, max_length=SHORT_TEXT_MAX, description="Only this industry (exact match)."
    )
    tag: str | None = Field(
        None, max_length=TAG_MAX, description="Only organisations with this tag."
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Text search, ignoring case, in the name, industry, location, "
        "`why_interested`, research notes and notes.",
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
    filters=service.OrganisationFilters,
    orders=service.ORDERS,
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
