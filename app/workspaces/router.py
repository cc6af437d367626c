"""`/v1/workspaces`, and each workspace's `/members` and `/invitations`."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.auth.caller import Caller, WorkspaceAccess, confirm_access
from app.auth.dependencies import (
    USER_ONLY,
    CurrentUser,
    caller_cache,
    caller_scope,
    user_id_of,
    workspace_scope,
)
from app.core import routes
from app.core.db import Db
from app.core.routing import CheckedRoute
from app.workspaces import invitations, service
from app.workspaces.schemas import (
    Invitation,
    InvitationCreate,
    InvitationList,
    InvitationStatus,
    Member,
    MemberList,
    MemberUpdate,
    Workspace,
    WorkspaceCreate,
    WorkspaceList,
    WorkspaceUpdate,
)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/workspaces")
WorkspacesReader = Annotated[Caller, caller_scope("workspaces:read")]
WorkspaceReader = Annotated[WorkspaceAccess, workspace_scope("workspaces:read")]
WorkspaceWriter = Annotated[WorkspaceAccess, workspace_scope("workspaces:write")]
MembersReader = Annotated[WorkspaceAccess, workspace_scope("members:read")]
# Memberships are changed by people only: no API key, whatever its scopes (issue 18).
MembersWriter = Annotated[WorkspaceAccess, workspace_scope(USER_ONLY, "members:write")]
MemberLeaver = Annotated[WorkspaceAccess, workspace_scope(USER_ONLY, "members:read")]
MemberId = Annotated[str, routes.id_path("membership's", "mem", example=False)]
InvitationId = Annotated[str, routes.id_path("invitation's", "inv", example=False)]
StatusFilter = Annotated[InvitationStatus | None, Query(description="Only this status.")]


def forget_roles(request: Request, db: Db, workspace_id: str) -> None:
    """Roles and keys this process remembers for the workspace are dropped once the change
    commits (a key's power follows its creator's role)."""
    db.after_commit(partial(caller_cache(request).forget_workspace, workspace_id))


def _roles_changed(call: routes.Call, _: Any) -> None:
    forget_roles(call.request, call.db, call.access.workspace_id)


def _acting(call: routes.Call) -> dict[str, Any]:
    """Who changes the memberships: the service checks what they may do."""
    return {"acting_user_id": user_id_of(call.access.caller)}


def _inviting(call: routes.Call) -> dict[str, Any]:
    ttl = timedelta(seconds=call.request.app.state.settings.invitation_ttl_seconds)
    return {**_acting(call), "ttl": ttl}


async def _owner_now(call: routes.Call) -> None:
    """Settings change on the caller's role as the transaction sees it, not a remembered one."""
    await confirm_access(call.db, access=call.access, scope="workspaces:write")


workspaces = routes.ItemRoutes(
    router,
    "workspaces",
    "/{workspace_id}",
    [],
    model=Workspace,
    reader=WorkspaceReader,
    writer=WorkspaceWriter,
    tags=["workspaces"],
)
# The caller's workspaces, and a new one: the caller's, not a workspace's.
workspaces.list_page(
    "List the workspaces the caller belongs to",
    WorkspaceList,
    service.list_workspaces,
    access=WorkspacesReader,
    description="A user sees every workspace they are a member of; an API key sees only its own. "
    "In creation order, paginated (`limit`, `cursor`). Needs `workspaces:read`, which every role "
    "has.",
    owner=lambda call: {"user_id": call.access.user_id, "only_id": call.access.key_workspace_id},
)
workspaces.create(
    "Create a workspace; the caller becomes its owner",
    WorkspaceCreate,
    service.create_workspace,
    takes="name",
    access=CurrentUser,
    owner=lambda call: {"owner_id": user_id_of(call.access)},
    description="Takes `{name}` and answers 201 with the workspace and its `Location`; the "
    "settings start at their defaults (`thank_you_due_hours` 48, `interview_goal` 12, `timezone` "
    "null for UTC). For users only: an API key gets 403 `user_token_required`.",
)
workspaces.get(
    "Get a workspace",
    service.get_workspace,
    description="The workspace's name and settings (`thank_you_due_hours`, `interview_goal`, "
    "`timezone`), with an `ETag` (304 on `If-None-Match`). A workspace the caller is not a member "
    "of is 404, exactly as a missing one.",
)
workspaces.update(
    "Rename a workspace or change its settings (owners)",
    WorkspaceUpdate,
    service.update_workspace,
    before=_owner_now,
    description="JSON Merge Patch of `name` and the settings `thank_you_due_hours`, "
    "`interview_goal` and `timezone` (an IANA name, else 422 `invalid_timezone`; null is UTC). "
    "Needs `workspaces:write` (owners), checked against the role the database holds now; a stale "
    "`If-Match` is 412 `precondition_failed`. A new `thank_you_due_hours` applies to interviews "
    "completed afterwards.",
)

members = routes.ItemRoutes(
    router,
    "members",
    "/{workspace_id}/members/{member_id}",
    [MemberId],
    model=Member,
    reader=MembersReader,
    writer=MembersWriter,
    tags=["members"],
)
members.list_page(
    "List a workspace's members",
    MemberList,
    service.list_members,
    description="Every member of the workspace with their user's name, email and role, in joining "
    "order, paginated (`limit`, `cursor`). Needs `members:read`, which every role has. Members "
    "are made only by accepting an invitation, so there is no create.",
)
members.get(
    "Get a member",
    service.get_member,
    description="One membership: the user's id, name and email and their `role`, with an `ETag` "
    "(304 on `If-None-Match`). Needs `members:read`; another workspace's member is 404.",
)
members.update(
    "Change a member's role (owners)",
    MemberUpdate,
    service.change_role,
    takes="role",
    more=_acting,
    after=_roles_changed,
    description="Takes `{role}`. Owners only, with a user token (API keys get 403 "
    "`user_token_required`), checked against the roles the database holds now. Demoting the last "
    "owner is 409 `last_owner`. The member's API keys are limited to the new role from then on, "
    "and a demoted owner's pending invitations are revoked.",
    responses={409: {"description": "The last owner cannot be demoted (`last_owner`)."}},
)
members.delete(
    "Remove a member (owners), or leave the workspace (any member)",
    service.remove_member,
    access=MemberLeaver,
    more=_acting,
    after=_roles_changed,
    description="Owners may remove any member; any member may remove themselves (leave). The API "
    "keys and pending invitations the member created in the workspace are revoked in the same "
    "change, and their access ends (at once on this process, within seconds on the others). "
    "Removing the last owner is 409 `last_owner`; API keys get 403 `user_token_required`.",
    responses={409: {"description": "The last owner cannot be removed (`last_owner`)."}},
)

invited = members.like(
    "invitations",
    "/{workspace_id}/invitations/{invitation_id}",
    [InvitationId],
    model=Invitation,
    tags=["invitations"],
)
invited.create(
    "Invite someone by email to join the workspace with a role (owners)",
    InvitationCreate,
    invitations.create_invitation,
    takes=("email", "role"),
    more=_inviting,
    description="Takes `{email, role}`; the email need not have an account yet and is matched "
    "ignoring case. Answers 201 with the `pending` invitation, which expires after 7 days by "
    "default. Refused with 409 when the email's user is a member (`already_member`), it has a "
    "pending invitation here (`already_invited`) or the workspace has 100 pending ones "
    "(`too_many_invitations`); API keys get 403 `user_token_required`.",
    responses={
        409: {
            "description": "The email's user is a member (`already_member`), the email has a "
            "pending invitation (`already_invited`), or the workspace has 100 pending "
            "invitations (`too_many_invitations`)."
        }
    },
)
invited.list_page(
    "List a workspace's invitations",
    InvitationList,
    invitations.list_invitations,
    query={"status": (StatusFilter, None)},
    description="Every invitation of the workspace, whatever its status, in creation order, "
    "paginated (`limit`, `cursor`); `?status=` keeps one status. Needs `members:read`: every "
    "member sees who is invited, as they see who is a member.",
)
invited.get(
    "Get an invitation",
    invitations.get_invitation,
    description="One invitation: its email, the role it offers, its `status`, who sent it and "
    "when it expires, with an `ETag`. Needs `members:read`; another workspace's invitation is "
    "404.",
)
invited.action(
    "revoke",
    "Revoke an invitation (owners; idempotent)",
    invitations.revoke_invitation,
    if_match=False,
    more=_acting,
    description="Marks a pending invitation `revoked`, so it can no longer be accepted, and "
    "answers it. Revoking a revoked or expired one answers 200 and changes nothing more; an "
    "accepted or declined one is 409 `invitation_not_pending` (remove the member instead). Owners "
    "only; API keys get 403 `user_token_required`.",
    responses={
        409: {"description": "It was accepted or declined already (`invitation_not_pending`)."}
    },
)
