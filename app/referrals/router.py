"""HTTP routes for referrals: recording names given in an interview, the tree, path and network."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb, WriteDb
from app.core.pagination import Cursor
from app.core.responses import json_response, list_response
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
Depth = Annotated[int, Query(ge=1, le=5, description="Levels of referrals below the person, 1–5.")]
NetworkLimit = Annotated[
    int,
    Query(
        ge=1,
        le=graph.MAX_NETWORK_LIMIT,
        description=f"People per page, 1–{graph.MAX_NETWORK_LIMIT}.",
    ),
]
referrals = routes.ItemRoutes(
    router,
    "referrals",
    "/referrals/{referral_id}",
    [ReferralId],
    model=Referral,
    reader=Reader,
    writer=Writer,
)
# The referrals seen from the interview they were given in, and from a person.
interview = referrals.like("referrals", "/interviews/{interview_id}", [InterviewId])
person = referrals.like("referrals", "/people/{person_id}", [PersonId], model=ReferralTree)


@interview.route(
    "POST",
    "/interviews/{interview_id}/referrals",
    status_code=201,
    response_model=ReferralList,
    summary="Record the names an interviewee gave (all or none)",
    description="Takes `{referrals: [...]}` (1–20), each an existing `person_id` or a new contact "
    "with at least one name. A new contact becomes a person with `source: referral`; an existing "
    "person without a referrer gets the interviewee as `referred_by_id`; each referral also "
    "writes a `contact_referral` follow-up due 7 days later. All or nothing: one refused item "
    "(422, or 409 `already_referred` or `referral_cycle`) keeps nothing; answers 201 with the new "
    "referrals as a list.",
    responses={
        409: {
            "description": "A person named twice for this interview (`already_referred`), or a "
            "referral that would make the tree a loop (`referral_cycle`)."
        }
    },
)
async def create(
    body: ReferralBatchCreate, access: Writer, interview_id: InterviewId, db: WriteDb
) -> Response:
    created = await service.create_referrals(
        db, workspace_id=access.workspace_id, interview_id=interview_id, items=body.referrals
    )
    return json_response(ReferralList(data=created, has_more=False, next_cursor=None), 201)


interview.list_page(
    "List the referrals given in an interview",
    ReferralList,
    service.list_referrals,
    below="referrals",
    db=SnapshotDb,
    description="The referrals recorded in the interview, in creation order, paginated (`limit`, "
    "`cursor`). An unknown interview, or another workspace's, is 404. Needs `people:read`.",
)
referrals.get(
    "Get a referral",
    service.get_referral,
    description="One referral: its interview, referrer, the person referred, "
    "`may_use_referrer_name`, notes and the `contact_referral` follow-up made with it, with an "
    "`ETag`. Needs `people:read`; another workspace's referral is 404.",
)
referrals.delete(
    "Delete a referral record (the person and the follow-up stay)",
    service.delete_referral,
    description="Deletes the record only and answers 204: the person, their `referred_by_id` and "
    "the `contact_referral` follow-up stay. A stale `If-Match` is 412 `precondition_failed`; "
    "needs `people:write`.",
)
person.view(
    "referrals",
    "tree",
    "The tree of people reached through a person",
    graph.referral_tree,
    db=SnapshotDb,
    query={"depth": (Depth, 2)},
    description="The people whose referrers lead back to this person, as nested `children`, "
    "oldest first, `depth` levels down (1–5, default 2). At most 500 people below the root are "
    "returned; when more exist within `depth`, `truncated` is true.",
)
person.view(
    "referral-path",
    "path",
    "The chain of referrals from a first-degree contact to a person",
    graph.referral_path,
    response_model=ReferralPath,
    description="The referrers from the first-degree contact (the ancestor nobody referred) down "
    "to the person, who comes last; a person nobody referred is a path of one. At most 100 people "
    "are walked: a longer chain starts at the 100th ancestor, with `truncated: true`.",
)


network = routes.Operations(router, "network")


@network.route(
    "GET",
    "/network",
    response_model=Network,
    summary="The workspace's network of people, organisations and referrals, a page at a time",
    description="People in creation order, `limit` per page (default 200, at most 1,000), as "
    "`person` nodes with their `degree`, with the organisations they work at and the `referral` "
    "and `employment` edges that end at them. While `truncated` is true, pass `next_cursor` as "
    "`cursor` (a `Link` header is sent too); merge nodes by `id` across pages. Needs "
    "`people:read` and `organisations:read`; sends no `ETag`.",
)
async def get(
    request: Request,
    access: NetworkReader,
    db: SnapshotDb,
    limit: NetworkLimit = graph.DEFAULT_NETWORK_LIMIT,
    cursor: Cursor = None,
) -> Response:
    nodes, edges, page = await graph.network(
        db, workspace_id=access.workspace_id, cursor=cursor, limit=limit
    )
    body = Network(nodes=nodes, edges=edges, truncated=page.has_more, next_cursor=page.next_cursor)
    return list_response(request, body, page.next_cursor)
