"""HTTP routes for people: `/people` and the people of one organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb
from app.organisations.router import OrganisationId
from app.people import service
from app.people.schemas import (
    Person,
    PersonCreate,
    PersonFilters,
    PersonList,
    PersonUpdate,
)

router = routes.workspace_router(tag="people")

# The caller is resolved before a WriteDb parameter opens its transaction.
PeopleReader = Annotated[WorkspaceAccess, workspace_scope("people:read")]
PeopleWriter = Annotated[WorkspaceAccess, workspace_scope("people:write")]
PersonId = Annotated[str, routes.id_path("person's", "per")]
Cascade = Annotated[
    bool, Query(description="Also delete the person's interviews (otherwise refused with 409).")
]


class PeopleQuery(
    routes.PageQuery,
    paging_first=True,
    orders=service.ORDERS,
    filters=PersonFilters,
    without=("organisation_id",),
):
    """The query parameters both people lists share: paging, sort and filters (one model, so
    FastAPI validates them in one step), not the organisation."""

    sort: str = routes.sort_field(
        service.ORDERS,
        service.DEFAULT_SORT,
        "People without a family name, or never contacted, come last in either direction of "
        "those sorts.",
    )


class AllPeopleQuery(PeopleQuery, filters=PersonFilters):
    """Both lists' parameters, then the organisation (the other list's path names it)."""


# Their services answer rows, written as people by `PERSON_JSON` (app.core.rows).
people = routes.ItemRoutes(
    router,
    "people",
    "/people/{person_id}",
    [PersonId],
    model=Person,
    reader=PeopleReader,
    writer=PeopleWriter,
    rows=service.PERSON_JSON,
)
at_organisation = people.like(
    "people", "/organisations/{organisation_id}/people/{person_id}", [OrganisationId, PersonId]
)
# The query is read before the database is taken (a bad one opens no snapshot).
people.filtered_page(
    "List people, filtered and sorted",
    PersonList,
    AllPeopleQuery,
    service.list_people,
    query_first=True,
)
at_organisation.filtered_page(
    "List the people at one organisation, filtered and sorted",
    PersonList,
    PeopleQuery,
    service.list_people_of_organisation,
    verb="list_by_organisation",
    db=SnapshotDb,
    query_first=True,
)
people.create("Create a person", PersonCreate, service.create_person)
people.get("Get a person", service.get_person)
people.update("Change a person (JSON Merge Patch)", PersonUpdate, service.update_person)
people.delete(
    "Delete a person (and, with `cascade=true`, their interviews)",
    service.delete_person,
    query={"cascade": (Cascade, False)},
    responses={
        409: {
            "description": "The person has interviews and `cascade` is not true "
            "(`person_has_interviews`)."
        }
    },
)
