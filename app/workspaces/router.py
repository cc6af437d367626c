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
    owner=lambda call: {"user_id": call.access.user_id, "only_id": call.access.key_workspace_id},
)
workspaces.create(
    "Create a workspace; the caller becomes its owner",
    WorkspaceCreate,
    service.create_workspace,
    takes="name",
    access=CurrentUser,
    owner=lambda call: {"owner_id": user_id_of(call.access)},
)
workspaces.get("Get a workspace", service.get_workspace)
workspaces.update(
    "Rename a workspace or change its settings (owners)",
    WorkspaceUpdate,
    service.update_workspace,
    before=_owner_now,
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
members.list_page("List a workspace's members", MemberList, service.list_members)
members.get("Get a member", service.get_member)
members.update(
    "Change a member's role (owners)",
    MemberUpdate,
    service.change_role,
    takes="role",
    more=_acting,
    after=_roles_changed,
    responses={409: {"description": "The last owner cannot be demoted (`last_owner`)."}},
)
members.delete(
    "Remove a member (owners), or leave the workspace (any member)",
    service.remove_member,
    access=MemberLeaver,
    more=_acting,
    after=_roles_changed,
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
)
invited.get("Get an invitation", invitations.get_invitation)
invited.action(
    "revoke",
    "Revoke an invitation (owners; idempotent)",
    invitations.revoke_invitation,
    if_match=False,
    more=_acting,
    responses={
        409: {"description": "It was accepted or declined already (`invitation_not_pending`)."}
    },
)
