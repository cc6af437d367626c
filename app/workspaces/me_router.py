"""The caller's own side of workspaces: `/v1/me/invitations` to answer, `/v1/me/memberships`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.auth.dependencies import CurrentUser, user_id_of
from app.core import routes
from app.core.dependencies import ReadDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from app.core.responses import item_response, page_response
from app.core.routing import CheckedRoute
from app.core.schemas import ListPage
from app.workspaces import invitations, service
from app.workspaces.router import forget_roles
from app.workspaces.schemas import Invitation, InvitationList, Member, MembershipList

router = APIRouter(route_class=CheckedRoute, prefix="/v1/me")
InvitationId = Annotated[str, routes.id_path("invitation's", "inv", example=False)]
_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No pending invitation of the caller's has that id (`not_found`): "
        "another's, revoked, accepted, declined and expired ones alike."
    }
}


def _own_page(list_model: type[ListPage[Any]], lister: routes.Service) -> routes.Endpoint:
    """A page of the caller's own records: `lister(db, user_id=, cursor=, limit=)`."""

    async def endpoint(
        request: Request,
        caller: CurrentUser,
        db: ReadDb,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response:
        data, page = await lister(db, user_id=user_id_of(caller), cursor=cursor, limit=limit)
        return page_response(request, list_model, data, page)

    return endpoint


router.add_api_route(
    "/invitations",
    _own_page(InvitationList, invitations.list_my_invitations),
    methods=["GET"],
    tags=["invitations"],
    operation_id="me_invitations_list",
    response_model=InvitationList,
    summary="List the pending invitations to the caller's email",
)


@router.post(
    "/invitations/{invitation_id}/accept",
    tags=["invitations"],
    operation_id="me_invitations_accept",
    status_code=201,
    response_model=Member,
    summary="Accept an invitation: become a member with its role",
    responses={
        **_NOT_YOURS,
        409: {"description": "The caller is a member of that workspace (`already_member`)."},
    },
)
async def accept_invitation(
    request: Request, caller: CurrentUser, invitation_id: InvitationId, db: WriteDb
) -> Response:
    member = await invitations.accept_invitation(
        db, user_id=user_id_of(caller), invitation_id=invitation_id
    )
    # This process may remember the caller as "not a member" of the workspace.
    forget_roles(request, db, member.workspace_id)
    location = f"/v1/workspaces/{member.workspace_id}/members/{member.id}"
    return item_response(request, member, status=201, location=location)


@router.post(
    "/invitations/{invitation_id}/decline",
    tags=["invitations"],
    operation_id="me_invitations_decline",
    response_model=Invitation,
    summary="Decline an invitation (idempotent)",
    responses=_NOT_YOURS,
)
async def decline_invitation(
    request: Request, caller: CurrentUser, invitation_id: InvitationId, db: WriteDb
) -> Response:
    invitation = await invitations.decline_invitation(
        db, user_id=user_id_of(caller), invitation_id=invitation_id
    )
    return item_response(request, invitation)


router.add_api_route(
    "/memberships",
    _own_page(MembershipList, service.list_memberships),
    methods=["GET"],
    tags=["me"],
    operation_id="me_memberships_list",
    response_model=MembershipList,
    summary="List the caller's memberships: each workspace with the caller's role",
)
