"""`/v1/workspaces`, and each workspace's `/members` and `/invitations`."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

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
from app.core.dependencies import IfMatch, ReadDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from app.core.responses import item_response, no_content, page_response
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
# The caller is resolved before a WriteDb parameter opens its transaction.
WorkspaceReader = Annotated[WorkspaceAccess, workspace_scope("workspaces:read")]
WorkspaceWriter = Annotated[WorkspaceAccess, workspace_scope("workspaces:write")]
MembersReader = Annotated[WorkspaceAccess, workspace_scope("members:read")]
# Memberships are changed by people only: no API key, whatever its scopes (issue 18).
MembersWriter = Annotated[WorkspaceAccess, workspace_scope(USER_ONLY, "members:write")]
MemberLeaver = Annotated[WorkspaceAccess, workspace_scope(USER_ONLY, "members:read")]
MemberId = Annotated[str, routes.id_path("membership's", "mem", example=False)]
InvitationId = Annotated[str, routes.id_path("invitation's", "inv", example=False)]
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


def forget_roles(request: Request, db: Db, workspace_id: str) -> None:
    """Roles and keys this process remembers for the workspace are dropped once the change
    commits (a key's power follows its creator's role)."""
    db.after_commit(partial(caller_cache(request).forget_workspace, workspace_id))


@router.get(
    "",
    tags=["workspaces"],
    operation_id="workspaces_list",
    response_model=WorkspaceList,
    summary="List the workspaces the caller belongs to",
)
async def list_workspaces(
    request: Request,
    caller: Annotated[Caller, caller_scope("workspaces:read")],
    db: ReadDb,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    data, page = await service.list_workspaces(
        db, user_id=caller.user_id, only_id=caller.key_workspace_id, cursor=cursor, limit=limit
    )
    return page_response(request, WorkspaceList, data, page)


@router.post(
    "",
    tags=["workspaces"],
    operation_id="workspaces_create",
    status_code=201,
    response_model=Workspace,
    summary="Create a workspace; the caller becomes its owner",
)
async def create_workspace(
    request: Request, body: WorkspaceCreate, caller: CurrentUser, db: WriteDb
) -> Response:
    workspace = await service.create_workspace(db, owner_id=user_id_of(caller), name=body.name)
    return item_response(request, workspace, status=201, location=f"/v1/workspaces/{workspace.id}")


workspaces.get("Get a workspace", service.get_workspace)


@router.patch(
    "/{workspace_id}",
    tags=["workspaces"],
    operation_id="workspaces_update",
    response_model=Workspace,
    summary="Rename a workspace or change its settings (owners)",
)
async def update_workspace(
    request: Request,
    body: WorkspaceUpdate,
    access: WorkspaceWriter,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    await confirm_access(db, access, "workspaces:write")
    workspace = await service.update_workspace(
        db, workspace_id=access.workspace_id, changes=body.changes(), if_match=if_match
    )
    return item_response(request, workspace)


members.list_page("List a workspace's members", MemberList, service.list_members)
members.get("Get a member", service.get_member)


@router.patch(
    "/{workspace_id}/members/{member_id}",
    tags=["members"],
    operation_id="members_update",
    response_model=Member,
    summary="Change a member's role (owners)",
    responses={409: {"description": "The last owner cannot be demoted (`last_owner`)."}},
)
async def update_member(
    request: Request,
    body: MemberUpdate,
    access: MembersWriter,
    member_id: MemberId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    member = await service.change_role(
        db,
        workspace_id=access.workspace_id,
        acting_user_id=user_id_of(access.caller),
        member_id=member_id,
        role=body.changes().get("role"),
        if_match=if_match,
    )
    forget_roles(request, db, access.workspace_id)
    return item_response(request, member)


@router.delete(
    "/{workspace_id}/members/{member_id}",
    tags=["members"],
    operation_id="members_delete",
    status_code=204,
    response_class=Response,
    summary="Remove a member (owners), or leave the workspace (any member)",
    responses={409: {"description": "The last owner cannot be removed (`last_owner`)."}},
)
async def remove_member(
    request: Request,
    access: MemberLeaver,
    member_id: MemberId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    await service.remove_member(
        db,
        workspace_id=access.workspace_id,
        acting_user_id=user_id_of(access.caller),
        member_id=member_id,
        if_match=if_match,
    )
    forget_roles(request, db, access.workspace_id)
    return no_content()


@router.post(
    "/{workspace_id}/invitations",
    tags=["invitations"],
    operation_id="invitations_create",
    status_code=201,
    response_model=Invitation,
    summary="Invite someone by email to join the workspace with a role (owners)",
    responses={
        409: {
            "description": "The email's user is a member (`already_member`), the email has a "
            "pending invitation (`already_invited`), or the workspace has 100 pending "
            "invitations (`too_many_invitations`)."
        }
    },
)
async def create_invitation(
    request: Request, body: InvitationCreate, access: MembersWriter, db: WriteDb
) -> Response:
    invitation = await invitations.create_invitation(
        db,
        workspace_id=access.workspace_id,
        acting_user_id=user_id_of(access.caller),
        email=str(body.email),
        role=body.role,
        ttl=timedelta(seconds=request.app.state.settings.invitation_ttl_seconds),
    )
    location = f"/v1/workspaces/{access.workspace_id}/invitations/{invitation.id}"
    return item_response(request, invitation, status=201, location=location)


@router.get(
    "/{workspace_id}/invitations",
    tags=["invitations"],
    operation_id="invitations_list",
    response_model=InvitationList,
    summary="List a workspace's invitations",
)
async def list_invitations(
    request: Request,
    access: MembersReader,
    db: ReadDb,
    status: Annotated[InvitationStatus | None, Query(description="Only this status.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    data, page = await invitations.list_invitations(
        db, workspace_id=access.workspace_id, status=status, cursor=cursor, limit=limit
    )
    return page_response(request, InvitationList, data, page)


@router.get(
    "/{workspace_id}/invitations/{invitation_id}",
    tags=["invitations"],
    operation_id="invitations_get",
    response_model=Invitation,
    summary="Get an invitation",
)
async def get_invitation(
    request: Request, access: MembersReader, invitation_id: InvitationId, db: ReadDb
) -> Response:
    invitation = await invitations.get_invitation(
        db, workspace_id=access.workspace_id, invitation_id=invitation_id
    )
    return item_response(request, invitation)


@router.post(
    "/{workspace_id}/invitations/{invitation_id}/revoke",
    tags=["invitations"],
    operation_id="invitations_revoke",
    response_model=Invitation,
    summary="Revoke an invitation (owners; idempotent)",
    responses={
        409: {"description": "It was accepted or declined already (`invitation_not_pending`)."}
    },
)
async def revoke_invitation(
    request: Request, access: MembersWriter, invitation_id: InvitationId, db: WriteDb
) -> Response:
    invitation = await invitations.revoke_invitation(
        db,
        workspace_id=access.workspace_id,
        acting_user_id=user_id_of(access.caller),
        invitation_id=invitation_id,
    )
    return item_response(request, invitation)
