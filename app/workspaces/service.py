"""Workspaces and memberships; the last owner of a workspace can never be removed or demoted."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, bindparam, delete, insert, select, update

from app.api_keys.models import api_keys
from app.auth.models import users
from app.auth.scopes import Role
from app.core.db import Db, Row, utcnow
from app.core.errors import Conflict, Forbidden
from app.core.etags import require_current
from app.core.inserts import new_row
from app.core.lookups import InWorkspace
from app.core.pagination import Page, SortOrder, fetch_page
from app.workspaces.models import invitation_is_open, invitations, memberships, workspaces
from app.workspaces.schemas import (
    DEFAULT_INTERVIEW_GOAL,
    DEFAULT_THANK_YOU_DUE_HOURS,
    Member,
    Membership,
    Workspace,
)

M = TypeVar("M", bound=BaseModel)

_NO_WORKSPACE = "No workspace has that id."
_NO_MEMBER = "No member has that id in this workspace."

WORKSPACE_ORDER = SortOrder("id", (workspaces.c.id,))
MEMBER_ORDER = SortOrder("id", (memberships.c.id,))


async def create_workspace(db: Db, *, owner_id: str, name: str) -> Workspace:
    now = utcnow()
    workspace = new_row(
        "wsp",
        now=now,
        name=name,
        thank_you_due_hours=DEFAULT_THANK_YOU_DUE_HOURS,
        interview_goal=DEFAULT_INTERVIEW_GOAL,
        timezone=None,
    )
    row = await db.one(insert(workspaces).values(workspace).returning(*workspaces.c))
    await add_member(db, workspace_id=row["id"], user_id=owner_id, role=Role.owner.value, now=now)
    return Workspace.model_validate(row)


async def add_member(db: Db, *, workspace_id: str, user_id: str, role: str, now: datetime) -> str:
    """Make `user_id` a member with `role`; returns the membership's id. (The unique
    workspace-and-user pair refuses a second membership: ConstraintViolation.)"""
    membership = new_row("mem", now=now, workspace_id=workspace_id, user_id=user_id, role=role)
    await db.execute(insert(memberships).values(membership))
    member_id: str = membership["id"]
    return member_id


_workspace = select(*workspaces.c).where(workspaces.c.id == bindparam("workspace_id"))


async def get_workspace(db: Db, *, workspace_id: str) -> Workspace:
    row = await db.one(_workspace, {"workspace_id": workspace_id}, missing=_NO_WORKSPACE)
    return Workspace.model_validate(row)


async def _page(
    db: Db, stmt: Select[Any], order: SortOrder, model: type[M], cursor: str | None, limit: int
) -> tuple[list[M], Page]:
    """One page of `stmt`'s rows in `order`, each as `model`."""
    page = await fetch_page(db, stmt, order, cursor, limit)
    return [model.model_validate(r) for r in page.rows], page


async def list_workspaces(
    db: Db, *, user_id: str | None, only_id: str | None, cursor: str | None, limit: int
) -> tuple[list[Workspace], Page]:
    """The caller's workspaces: a user's memberships, or the one workspace of an API key."""
    stmt = select(*workspaces.c)
    if user_id is not None:
        stmt = stmt.join(memberships, memberships.c.workspace_id == workspaces.c.id).where(
            memberships.c.user_id == user_id
        )
    else:
        stmt = stmt.where(workspaces.c.id == only_id)
    return await _page(db, stmt, WORKSPACE_ORDER, Workspace, cursor, limit)


_memberships_of_user = select(
    memberships.c.id,
    memberships.c.workspace_id,
    workspaces.c.name.label("workspace_name"),
    memberships.c.role,
    memberships.c.created_at,
    memberships.c.updated_at,
).join(workspaces, workspaces.c.id == memberships.c.workspace_id)


async def list_memberships(
    db: Db, *, user_id: str, cursor: str | None, limit: int
) -> tuple[list[Membership], Page]:
    """A user's own memberships, in the order they joined, with each workspace's name."""
    stmt = _memberships_of_user.where(memberships.c.user_id == user_id)
    return await _page(db, stmt, MEMBER_ORDER, Membership, cursor, limit)


async def update_workspace(
    db: Db, *, workspace_id: str, changes: dict[str, object], if_match: str | None
) -> Workspace:
    current = await db.one(
        _workspace.with_for_update(), {"workspace_id": workspace_id}, missing=_NO_WORKSPACE
    )
    require_current(if_match, Workspace.model_validate(current))
    if not changes:
        return Workspace.model_validate(current)
    row = await db.one(
        update(workspaces)
        .where(workspaces.c.id == workspace_id)
        .values(**changes, updated_at=utcnow())
        .returning(*workspaces.c)
    )
    return Workspace.model_validate(row)


_member_columns = (
    memberships.c.id,
    memberships.c.workspace_id,
    memberships.c.user_id,
    users.c.email,
    users.c.name,
    memberships.c.role,
    memberships.c.created_at,
    memberships.c.updated_at,
)
_members = select(*_member_columns).join(users, users.c.id == memberships.c.user_id)
_member = InWorkspace("mem", _members, memberships, _NO_MEMBER)


async def list_members(
    db: Db, *, workspace_id: str, cursor: str | None, limit: int
) -> tuple[list[Member], Page]:
    stmt = _members.where(memberships.c.workspace_id == workspace_id)
    return await _page(db, stmt, MEMBER_ORDER, Member, cursor, limit)


async def get_member(db: Db, *, workspace_id: str, member_id: str) -> Member:
    return Member.model_validate(await _member.load(db, workspace_id, member_id))


_owners = (
    select(memberships.c.id, memberships.c.user_id)
    .where(
        memberships.c.workspace_id == bindparam("workspace_id"),
        memberships.c.role == Role.owner.value,
    )
    .order_by(memberships.c.id)
    .with_for_update()
)


async def _lock_owners(db: Db, workspace_id: str, acting_user_id: str | None) -> list[Row]:
    """Lock the workspace's owner rows (in id order, so concurrent changes queue instead of
    deadlocking). With `acting_user_id`, that user must be one of them: managing members is
    decided on the role the database holds now, never on one a process remembers (a demotion
    committed a moment ago elsewhere wins; one in flight waits for these locks)."""
    owners = await db.all(_owners, {"workspace_id": workspace_id})
    if acting_user_id is not None and all(o["user_id"] != acting_user_id for o in owners):
        raise Forbidden("Only owners manage members (needs `members:write`).")
    return owners


async def _lock_for_change(
    db: Db, workspace_id: str, member_id: str, acting_user_id: str | None
) -> tuple[Row, int]:
    """Lock the owner rows, then the member's, always in that order; returns the member and
    how many owners there are."""
    owners = await _lock_owners(db, workspace_id, acting_user_id)
    member = await _member.load(db, workspace_id, member_id, lock=True)
    return member, len(owners)


def _ensure_other_owner(member: Row, owner_count: int) -> None:
    """Refuse a change that would leave the workspace without an owner."""
    if member["role"] == Role.owner.value and owner_count <= 1:
        raise Conflict("A workspace must keep at least one owner.", code="last_owner")


async def _revoke_invitations_by(db: Db, workspace_id: str, user_id: str, now: datetime) -> None:
    """An owner who is demoted or leaves takes their open invitations with them: otherwise a
    co-owner about to be removed could invite a second account of theirs back in as owner."""
    await db.execute(
        update(invitations)
        .where(
            invitations.c.workspace_id == workspace_id,
            invitations.c.invited_by == user_id,
            invitation_is_open,
        )
        .values(revoked_at=now, updated_at=now)
    )


async def change_role(
    db: Db,
    *,
    workspace_id: str,
    acting_user_id: str,
    member_id: str,
    role: Role | None,
    if_match: str | None,
) -> Member:
    """Change a member's role; their API keys are clamped to it from the commit on (a key
    never grants more than its creator's role: app.auth.caller.key_scopes), and a former
    owner's open invitations are revoked."""
    member, owner_count = await _lock_for_change(db, workspace_id, member_id, acting_user_id)
    require_current(if_match, Member.model_validate(member))
    if role is None or role.value == member["role"]:
        return Member.model_validate(member)
    _ensure_other_owner(member, owner_count)
    now = utcnow()
    await db.execute(
        update(memberships)
        .where(memberships.c.id == member_id)
        .values(role=role.value, updated_at=now)
    )
    if member["role"] == Role.owner.value:
        await _revoke_invitations_by(db, workspace_id, member["user_id"], now)
    return await get_member(db, workspace_id=workspace_id, member_id=member_id)


async def remove_member(
    db: Db, *, workspace_id: str, acting_user_id: str, member_id: str, if_match: str | None
) -> None:
    """Remove a member, and revoke the API keys and invitations they created here: anyone may
    leave a workspace; removing others needs an owner (as the database has it now)."""
    member, owner_count = await _lock_for_change(db, workspace_id, member_id, None)
    if member["user_id"] != acting_user_id:
        await _lock_owners(db, workspace_id, acting_user_id)
    require_current(if_match, Member.model_validate(member))
    _ensure_other_owner(member, owner_count)
    await db.execute(delete(memberships).where(memberships.c.id == member_id))
    now = utcnow()
    await _revoke_invitations_by(db, workspace_id, member["user_id"], now)
    await db.execute(
        update(api_keys)
        .where(
            api_keys.c.workspace_id == workspace_id,
            api_keys.c.created_by == member["user_id"],
            api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=now, updated_at=now)
    )
