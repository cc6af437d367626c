"""HTTP routes for referrals: recording names given in an interview, the tree, path and network."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import ReadDb, SnapshotDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from app.core.responses import item_response, json_response, list_response, page_response
from app.referrals import graph, service
from app.referrals.schemas import (
    Network,
    Referral,
    ReferralBatchCreate,
    ReferralList,
    ReferralPath,
    ReferralTree,
)

router = routes.workspace_router(tag="referrals")

# Referrals create and link people, so they are guarded by the people scopes.
Reader = Annotated[WorkspaceAccess, workspace_scope("people:read")]
# The network shows the organisations people work at, too.
NetworkReader = Annotated[WorkspaceAccess, workspace_scope("people:read", "organisations:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("people:write")]
InterviewId = Annotated[str, routes.id_path("interview's", "int", example=False)]
PersonId = Annotated[str, routes.id_path("person's", "per", example=False)]
ReferralId = Annotated[str, routes.id_path("referral's", "ref", example=False)]
referrals = routes.ItemRoutes(
    router,
    "referrals",
    "/referrals/{referral_id}",
    [ReferralId],
    model=Referral,
    reader=Reader,
    writer=Writer,
)


@router.post(
    "/interviews/{interview_id}/referrals",
    operation_id="referrals_create",
    status_code=201,
    response_model=ReferralList,
    summary="Record the names an interviewee gave (all or none)",
    responses={
        409: {
            "description": "A person named twice for this interview (`already_referred`), or a "
            "referral that would make the tree a loop (`referral_cycle`)."
        }
    },
)
async def create_referrals(
    body: ReferralBatchCreate, access: Writer, interview_id: InterviewId, db: WriteDb
) -> Response:
    created = await service.create_referrals(
        db, workspace_id=access.workspace_id, interview_id=interview_id, items=body.referrals
    )
    return json_response(ReferralList(data=created, has_more=False, next_cursor=None), 201)


@router.get(
    "/interviews/{interview_id}/referrals",
    operation_id="referrals_list",
    response_model=ReferralList,
    summary="List the referrals given in an interview",
)
async def list_referrals(
    request: Request,
    access: Reader,
    interview_id: InterviewId,
    db: SnapshotDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    data, page = await service.list_referrals(
        db, workspace_id=access.workspace_id, interview_id=interview_id, cursor=cursor, limit=limit
    )
    return page_response(request, ReferralList, data, page)


referrals.get("Get a referral", service.get_referral)
referrals.delete(
    "Delete a referral record (the person and the follow-up stay)", service.delete_referral
)


@router.get(
    "/people/{person_id}/referrals",
    operation_id="referrals_tree",
    response_model=ReferralTree,
    summary="The tree of people reached through a person",
)
async def referral_tree(
    request: Request,
    access: Reader,
    person_id: PersonId,
    db: SnapshotDb,
    depth: Annotated[
        int, Query(ge=1, le=5, description="Levels of referrals below the person, 1–5.")
    ] = 2,
) -> Response:
    tree = await graph.referral_tree(
        db, workspace_id=access.workspace_id, person_id=person_id, depth=depth
    )
    return item_response(request, tree)


@router.get(
    "/people/{person_id}/referral-path",
    operation_id="referrals_path",
    response_model=ReferralPath,
    summary="The chain of referrals from a first-degree contact to a person",
)
async def referral_path(
    request: Request, access: Reader, person_id: PersonId, db: ReadDb
) -> Response:
    return item_response(
        request,
        await graph.referral_path(db, workspace_id=access.workspace_id, person_id=person_id),
    )


@router.get(
    "/network",
    operation_id="network_get",
    response_model=Network,
    summary="The workspace's network of people, organisations and referrals, a page at a time",
)
async def get_network(
    request: Request,
    access: NetworkReader,
    db: SnapshotDb,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=graph.MAX_NETWORK_LIMIT,
            description=f"People per page, 1–{graph.MAX_NETWORK_LIMIT}.",
        ),
    ] = graph.DEFAULT_NETWORK_LIMIT,
    cursor: Cursor = None,
) -> Response:
    nodes, edges, page = await graph.network(
        db, workspace_id=access.workspace_id, cursor=cursor, limit=limit
    )
    body = Network(nodes=nodes, edges=edges, truncated=page.has_more, next_cursor=page.next_cursor)
    return list_response(request, body, page.next_cursor)
