"""The caller's own side of workspaces: `/v1/me/invitations` to answer, `/v1/me/memberships`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from app.auth.dependencies import CurrentUser, user_id_of
from app.core import routes
from app.core.routing import CheckedRoute
from app.workspaces import invitations, service
from app.workspaces.router import MemberId, forget_roles, members
from app.workspaces.schemas import Invitation, InvitationList, Member, MembershipList

router = APIRouter(route_class=CheckedRoute, prefix="/v1/me")
InvitationId = Annotated[str, routes.id_path("invitation's", "inv", example=False)]
_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No pending invitation of the caller's has that id (`not_found`): "
        "another's, revoked, accepted, declined and expired ones alike."
    }
}


def _the_user(call: routes.Call) -> dict[str, Any]:
    """The records are the calling user's own."""
    return {"user_id": user_id_of(call.access)}


def _joined(call: routes.Call, member: Member) -> None:
    # This process may remember the caller as "not a member" of the workspace.
    forget_roles(call.request, call.db, member.workspace_id)


mine = routes.ItemRoutes(
    router,
    "me_invitations",
    "/invitations/{invitation_id}",
    [InvitationId],
    model=Invitation,
    reader=CurrentUser,
    writer=CurrentUser,
    tags=["invitations"],
    owner=_the_user,
)
mine.list_page(
    "List the pending invitations to the caller's email",
    InvitationList,
    invitations.list_my_invitations,
)
mine.action(
    "accept",
    "Accept an invitation: become a member with its role",
    invitations.accept_invitation,
    created=True,
    location=members.location_of,
    after=_joined,
    response_model=Member,
    responses={
        **_NOT_YOURS,
        409: {"description": "The caller is a member of that workspace (`already_member`)."},
    },
)
mine.action(
    "decline",
    "Decline an invitation (idempotent)",
    invitations.decline_invitation,
    if_match=False,
    responses=_NOT_YOURS,
)

# Only the list: each membership is a member of its workspace (`members`).
memberships = mine.like("me_memberships", "/memberships/{member_id}", [MemberId], tags=["me"])
memberships.list_page(
    "List the caller's memberships: each workspace with the caller's role",
    MembershipList,
    service.list_memberships,
)
