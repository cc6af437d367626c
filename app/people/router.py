"""HTTP routes for people: `/people` and the people of one organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import IfMatch, ReadDb, SnapshotDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, resolve_sort
from app.core.query import query_model
from app.core.responses import no_content, rows_page_response
from app.organisations.router import OrganisationId
from app.people import service
from app.people.schemas import (
    Person,
    PersonCreate,
    PersonList,
    PersonSource,
    PersonUpdate,
    RelationshipStage,
)

router = routes.workspace_router(tag="people")

# The caller is resolved before a WriteDb parameter opens its transaction.
PeopleReader = Annotated[WorkspaceAccess, workspace_scope("people:read")]
PeopleWriter = Annotated[WorkspaceAccess, workspace_scope("people:write")]
PersonId = Annotated[str, routes.id_path("person's", "per")]
_SORTS = ", ".join(f"`{name}`" for name in service.ORDERS)


class PeopleQuery(BaseModel):
    """The query parameters both people lists share: paging, sort and filters (one model, so
    FastAPI validates them in one step)."""

    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None
    sort: str = Field(
        service.DEFAULT_SORT,
        max_length=32,
        description=f"One of {_SORTS}; `-` sorts descending. People without a family "
        "name, or never contacted, come last in either direction of those sorts.",
    )
    relationship_stage: RelationshipStage | None = Field(
        None, description="Only people at this stage."
    )
    source: PersonSource | None = Field(None, description="Only people from this source.")
    tag: str | None = Field(None, max_length=50, description="Only people with this tag.")
    referred_by_id: str | None = Field(
        None, max_length=64, description="Only people this person (`per_…`) referred."
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Text search, ignoring case, in the names, email addresses, job "
        "title and notes.",
    )

    def filters(self, organisation_id: str | None = None) -> service.PersonFilters:
        return service.PersonFilters(
            organisation_id=organisation_id,
            relationship_stage=self.relationship_stage,
            source=self.source,
            tag=self.tag,
            referred_by_id=self.referred_by_id,
            q=self.q,
        )


class AllPeopleQuery(PeopleQuery):
    organisation_id: str | None = Field(
        None, max_length=64, description="Only people at this organisation (`org_…`)."
    )


@router.get(
    "/people",
    operation_id="people_list",
    response_model=PersonList,
    summary="List people, filtered and sorted",
)
async def list_people(
    request: Request,
    access: PeopleReader,
    query: Annotated[AllPeopleQuery, query_model(AllPeopleQuery)],
    db: ReadDb,
) -> Response:
    page = await service.list_people(
        db,
        workspace_id=access.workspace_id,
        filters=query.filters(query.organisation_id),
        order=resolve_sort(query.sort, service.ORDERS),
        cursor=query.cursor,
        limit=query.limit,
    )
    return rows_page_response(request, service.PERSON_JSON, page)


@router.get(
    "/organisations/{organisation_id}/people",
    operation_id="people_list_by_organisation",
    response_model=PersonList,
    summary="List the people at one organisation, filtered and sorted",
)
async def list_people_by_organisation(
    request: Request,
    access: PeopleReader,
    organisation_id: OrganisationId,
    query: Annotated[PeopleQuery, query_model(PeopleQuery)],
    db: SnapshotDb,
) -> Response:
    page = await service.list_people_of_organisation(
        db,
        workspace_id=access.workspace_id,
        organisation_id=organisation_id,
        filters=query.filters(),
        order=resolve_sort(query.sort, service.ORDERS),
        cursor=query.cursor,
        limit=query.limit,
    )
    return rows_page_response(request, service.PERSON_JSON, page)


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
people.create("Create a person", PersonCreate, service.create_person)
people.get("Get a person", service.get_person)
people.update("Change a person (JSON Merge Patch)", PersonUpdate, service.update_person)


@router.delete(
    "/people/{person_id}",
    operation_id="people_delete",
    status_code=204,
    response_class=Response,
    summary="Delete a person (and, with `cascade=true`, their interviews)",
    responses={
        409: {
            "description": "The person has interviews and `cascade` is not true "
            "(`person_has_interviews`)."
        }
    },
)
async def delete_person(
    access: PeopleWriter,
    person_id: PersonId,
    db: WriteDb,
    if_match: IfMatch = None,
    cascade: Annotated[
        bool,
        Query(description="Also delete the person's interviews (otherwise refused with 409)."),
    ] = False,
) -> Response:
    await service.delete_person(
        db,
        workspace_id=access.workspace_id,
        person_id=person_id,
        if_match=if_match,
        cascade=cascade,
    )
    return no_content()
