"""HTTP routes for organisations."""

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
from app.organisations import service
from app.organisations.schemas import (
    SHORT_TEXT_MAX,
    TAG_MAX,
    Organisation,
    OrganisationCreate,
    OrganisationList,
    OrganisationUpdate,
)

router = APIRouter(
    route_class=CheckedRoute,
    prefix="/v1/workspaces/{workspace_id}/organisations",
    tags=["organisations"],
)

# The caller is resolved before a WriteDb parameter opens its transaction.
OrganisationsReader = Annotated[WorkspaceAccess, workspace_scope("organisations:read")]
OrganisationsWriter = Annotated[WorkspaceAccess, workspace_scope("organisations:write")]
OrganisationId = Annotated[
    str,
    Path(
        description="The organisation's id (`org_…`).",
        examples=["org_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]
_NAME_TAKEN: dict[int | str, dict[str, object]] = {
    409: {"description": "Another organisation has that name (`organisation_name_taken`)."}
}
_SORTS = ", ".join(f"`{name}`" for name in service.ORDERS)


def _location(organisation: Organisation) -> str:
    return f"/v1/workspaces/{organisation.workspace_id}/organisations/{organisation.id}"


@router.get(
    "",
    operation_id="organisations_list",
    response_model=OrganisationList,
    summary="List organisations, filtered and sorted",
)
async def list_organisations(
    request: Request,
    access: OrganisationsReader,
    db: ReadDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Annotated[
        str,
        Query(
            max_length=32,
            description=f"One of {_SORTS}; `-` sorts descending. Unranked organisations come "
            "last in either `target_rank` order.",
        ),
    ] = service.DEFAULT_SORT,
    is_target: Annotated[
        bool | None, Query(description="Only organisations on (or off) the target list.")
    ] = None,
    industry: Annotated[
        str | None,
        Query(max_length=SHORT_TEXT_MAX, description="Only this industry (exact match)."),
    ] = None,
    tag: Annotated[
        str | None, Query(max_length=TAG_MAX, description="Only organisations with this tag.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Text search, ignoring case, in the name, industry, location, "
            "`why_interested`, research notes and notes.",
        ),
    ] = None,
) -> Response:
    order = resolve_sort(sort, service.ORDERS)
    filters = service.OrganisationFilters(is_target=is_target, industry=industry, tag=tag, q=q)
    data, page = await service.list_organisations(
        db, access.workspace_id, filters, order=order, cursor=cursor, limit=limit
    )
    return page_response(request, OrganisationList, data, page)


@router.post(
    "",
    operation_id="organisations_create",
    status_code=201,
    response_model=Organisation,
    summary="Create an organisation",
    responses=_NAME_TAKEN,
)
async def create_organisation(
    request: Request, body: OrganisationCreate, access: OrganisationsWriter, db: WriteDb
) -> Response:
    organisation = await service.create_organisation(db, access.workspace_id, body)
    return item_response(request, organisation, status=201, location=_location(organisation))


@router.get(
    "/{organisation_id}",
    operation_id="organisations_get",
    response_model=Organisation,
    summary="Get an organisation",
)
async def get_organisation(
    request: Request, access: OrganisationsReader, organisation_id: OrganisationId, db: ReadDb
) -> Response:
    organisation = await service.get_organisation(db, access.workspace_id, organisation_id)
    return item_response(request, organisation)


@router.patch(
    "/{organisation_id}",
    operation_id="organisations_update",
    response_model=Organisation,
    summary="Update an organisation (JSON Merge Patch)",
    responses=_NAME_TAKEN,
)
async def update_organisation(
    request: Request,
    body: OrganisationUpdate,
    access: OrganisationsWriter,
    organisation_id: OrganisationId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    organisation = await service.update_organisation(
        db, access.workspace_id, organisation_id, body.changes(), if_match
    )
    return item_response(request, organisation)


@router.delete(
    "/{organisation_id}",
    operation_id="organisations_delete",
    status_code=204,
    response_class=Response,
    summary="Delete an organisation; its people and interviews are kept, without it",
)
async def delete_organisation(
    access: OrganisationsWriter,
    organisation_id: OrganisationId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    await service.delete_organisation(db, access.workspace_id, organisation_id, if_match)
    return no_content()
