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
    description="A page of organisations (`limit`, `cursor`), filtered by `is_target`, "
    "`industry`, `tag` and `q` (name, industry, location, research notes), combined with AND. "
    "Sorted by `created_at` (default), `updated_at`, `name` (ignoring case) or `target_rank` "
    "(unranked last), each with its `-` reverse.",
)
organisations.create(
    "Create an organisation",
    OrganisationCreate,
    service.create_organisation,
    description="Takes `name`, unique in the workspace ignoring case (else 409 "
    "`organisation_name_taken`), and the optional details, research notes, tags and target-list "
    "fields; answers 201 with its `Location`. A `target_rank` puts the organisation on the "
    "target list (`is_target` true) unless the body says `is_target: false`, which is a 422 "
    "`rank_without_target`; `website` is stored normalised.",
    responses=_NAME_TAKEN,
)
organisations.get(
    "Get an organisation",
    service.get_organisation,
    description="One organisation with its details, research notes and place on the target list, "
    "with an `ETag` (304 on `If-None-Match`). Another workspace's organisation is 404.",
)
organisations.update(
    "Update an organisation (JSON Merge Patch)",
    OrganisationUpdate,
    service.update_organisation,
    description="`null` clears any field but `name`, `is_target` and `tags`; `tags`, when sent, "
    "replaces the list. Renaming to another organisation's name, ignoring case, is 409 "
    "`organisation_name_taken`. A `target_rank` puts the organisation on the target list "
    "(`is_target` becomes true) unless the patch says `is_target: false`, which is a 422 "
    "`rank_without_target`; `is_target: false` alone also clears `target_rank`. A stale "
    "`If-Match` is 412 `precondition_failed`.",
    responses=_NAME_TAKEN,
)
organisations.delete(
    "Delete an organisation; its people and interviews are kept, without it",
    service.delete_organisation,
    description="Deletes the organisation and answers 204. People, interviews and leads that "
    "named it are kept, with `organisation_id` set to null. A stale `If-Match` is 412 "
    "`precondition_failed`.",
)
