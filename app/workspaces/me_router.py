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
    description="The pending invitations to the caller's email, matched ignoring case and "
    "including those sent before the account existed, in the order they were sent; paginated "
    "(`limit`, `cursor`). Answer them with `me_invitations_accept` or `me_invitations_decline`. "
    "For users only.",
)
mine.action(
    "accept",
    "Accept an invitation: become a member with its role",
    invitations.accept_invitation,
    created=True,
    location=members.location_of,
    after=_joined,
    response_model=Member,
    description="Makes the caller a member of the invitation's workspace with the role it offers "
    "and marks the invitation `accepted`, in one transaction; answers 201 with the new member and "
    "its `Location`. An invitation that is not the caller's, or is no longer pending, is 404; a "
    "caller who is already a member is 409 `already_member`. Of concurrent accepts of one "
    "invitation exactly one succeeds.",
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
    description="Marks a pending invitation to the caller `declined` and answers it; declining it "
    "again answers the same. An invitation that is not the caller's, or is revoked, accepted or "
    "expired, is 404. The workspace's owners may invite the email again afterwards.",
    responses=_NOT_YOURS,
)

# Only the list: each membership is a member of its workspace (`members`).
memberships = mine.like("me_memberships", "/memberships/{member_id}", [MemberId], tags=["me"])
memberships.list_page(
    "List the caller's memberships: each workspace with the caller's role",
    MembershipList,
    service.list_memberships,
    description="Each membership as its id, `workspace_id`, `workspace_name` and the caller's "
    "`role`, in the order the caller joined, paginated (`limit`, `cursor`). `me_get` shows the "
    "first 20 inline. For users only: an API key gets 403 `user_token_required`.",
)
