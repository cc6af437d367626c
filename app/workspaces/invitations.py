"""Invitations: an owner offers a role to an email; only its invitee's acceptance makes a member."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, update

from app.auth.models import users
from app.auth.scopes import Role
from app.core import ids
from app.core.db import ConstraintViolation, Db, Row, utcnow
from app.core.errors import Conflict, NotFound
from app.core.inserts import new_row
from app.core.lookups import InWorkspace
from app.core.pagination import Page, SortOrder, fetch_page
from app.workspaces.models import invitation_is_open, invitations, memberships, workspaces
from app.workspaces.schemas import Invitation, InvitationStatus, Inviter, Member
from app.workspaces.service import _lock_owners, add_member, get_member

# Pending invitations a workspace may have at once: a seeker invites a few coaches, not a crowd.
MAX_PENDING_PER_WORKSPACE = 100
INVITATION_ORDER = SortOrder("id", (invitations.c.id,))

_NO_INVITATION = "No invitation has that id in this workspace."
# The same answer for another's, a revoked, an accepted and an expired one: existence never leaks.
_NOT_YOURS = "You have no pending invitation with that id."

_inviters = users.alias("inviters")
_invitations = (
    select(
        *invitations.c,
        workspaces.c.name.label("workspace_name"),
        _inviters.c.name.label("inviter_name"),
        _inviters.c.email.label("inviter_email"),
    )
    .join(workspaces, workspaces.c.id == invitations.c.workspace_id)
    .join(_inviters, _inviters.c.id == invitations.c.invited_by)
)
_invitation = InWorkspace("inv", _invitations, invitations, _NO_INVITATION)


def _email_key_of(user_id: str) -> ColumnElement[str]:
    return select(users.c.email_key).where(users.c.id == user_id).scalar_subquery()


def _pending(now: datetime) -> ColumnElement[bool]:
    return invitation_is_open & (invitations.c.expires_at > now)


def status_of(row: Mapping[str, Any], now: datetime) -> InvitationStatus:
    if row["accepted_at"] is not None:
        return InvitationStatus.accepted
    if row["declined_at"] is not None:
        return InvitationStatus.declined
    if row["revoked_at"] is not None:
        return InvitationStatus.revoked
    if row["expires_at"] <= now:
        return InvitationStatus.expired
    return InvitationStatus.pending


def _shown(row: Mapping[str, Any], now: datetime) -> Invitation:
    inviter = Inviter(
        user_id=row["invited_by"], name=row["inviter_name"], email=row["inviter_email"]
    )
    return Invitation.model_validate({**row, "status": status_of(row, now), "invited_by": inviter})


async def _open_one(db: Db, workspace_id: str, email_key: str) -> Row | None:
    return await db.first(
        select(invitations.c.id, invitations.c.expires_at)
        .where(
            invitations.c.workspace_id == workspace_id,
            invitations.c.email_key == email_key,
            invitation_is_open,
        )
        .with_for_update()
    )


async def _ensure_not_member(db: Db, workspace_id: str, email_key: str) -> None:
    member = await db.first(
        select(memberships.c.id)
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.workspace_id == workspace_id, users.c.email_key == email_key)
    )
    if member is not None:
        raise Conflict(
            "That email's user is already a member of this workspace.",
            code="already_member",
            member_id=member["id"],
        )


async def _ensure_room(db: Db, workspace_id: str, now: datetime) -> None:
    pending = await db.scalar(
        select(func.count())
        .select_from(invitations)
        .where(invitations.c.workspace_id == workspace_id, _pending(now))
    )
    if pending >= MAX_PENDING_PER_WORKSPACE:
        raise Conflict(
            f"A workspace has at most {MAX_PENDING_PER_WORKSPACE} pending invitations; revoke "
            "one or wait for answers.",
            code="too_many_invitations",
        )


def _already_invited(invitation_id: str | None) -> Conflict:
    detail = "That email already has a pending invitation to this workspace."
    if invitation_id is None:
        return Conflict(detail, code="already_invited")
    return Conflict(detail, code="already_invited", invitation_id=invitation_id)


async def create_invitation(
    db: Db,
    *,
    workspace_id: str,
    acting_user_id: str,
    email: str,
    role: Role,
    ttl: timedelta,
) -> Invitation:
    """Invite `email` (with or without an account). `acting_user_id` must be an owner now, read
    locked, not cached (`_lock_owners`, the check every membership change makes); those locks
    also queue concurrent invitations to the workspace."""
    await _lock_owners(db, workspace_id, acting_user_id)
    email_key = email.lower()
    await _ensure_not_member(db, workspace_id, email_key)
    now = utcnow()
    open_one = await _open_one(db, workspace_id, email_key)
    if open_one is not None:
        if open_one["expires_at"] > now:
            raise _already_invited(open_one["id"])
        # An expired invitation is replaced: closed (as revoked) so the new one is the open one.
        await db.execute(
            update(invitations)
            .where(invitations.c.id == open_one["id"])
            .values(revoked_at=now, updated_at=now)
        )
    await _ensure_room(db, workspace_id, now)
    invitation = new_row(
        "inv",
        now=now,
        workspace_id=workspace_id,
        email=email,
        email_key=email_key,
        role=role.value,
        invited_by=acting_user_id,
        expires_at=now + ttl,
    )
    try:
        await db.execute(insert(invitations).values(invitation))
    except ConstraintViolation as exc:  # the net under the owner locks
        raise _already_invited(None) from exc
    return await get_invitation(db, workspace_id=workspace_id, invitation_id=invitation["id"])


async def get_invitation(db: Db, *, workspace_id: str, invitation_id: str) -> Invitation:
    return _shown(await _invitation.load(db, workspace_id, invitation_id), utcnow())


def _with_status(status: InvitationStatus, now: datetime) -> ColumnElement[bool]:
    match status:
        case InvitationStatus.pending:
            return _pending(now)
        case InvitationStatus.expired:
            return invitation_is_open & (invitations.c.expires_at <= now)
        case InvitationStatus.accepted:
            return invitations.c.accepted_at.is_not(None)
        case InvitationStatus.declined:
            return invitations.c.declined_at.is_not(None)
        case InvitationStatus.revoked:
            return invitations.c.revoked_at.is_not(None)


async def list_invitations(
    db: Db,
    *,
    workspace_id: str,
    status: InvitationStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Invitation], Page]:
    """A workspace's invitations in creation order, every status unless one is asked for."""
    now = utcnow()
    stmt = _invitations.where(invitations.c.workspace_id == workspace_id)
    if status is not None:
        stmt = stmt.where(_with_status(status, now))
    page = await fetch_page(db, stmt, INVITATION_ORDER, cursor, limit)
    return [_shown(r, now) for r in page.rows], page


async def revoke_invitation(
    db: Db, *, workspace_id: str, acting_user_id: str, invitation_id: str
) -> Invitation:
    """Revoke a pending (or expired) invitation; revoking it again changes nothing."""
    await _lock_owners(db, workspace_id, acting_user_id)
    row = await _invitation.load(db, workspace_id, invitation_id, lock=True)
    now = utcnow()
    status = status_of(row, now)
    if status in (InvitationStatus.accepted, InvitationStatus.declined):
        raise Conflict(
            f"The invitation was {status.value} already"
            + ("; remove the member instead." if status is InvitationStatus.accepted else "."),
            code="invitation_not_pending",
            invitation_status=status.value,
        )
    if status is not InvitationStatus.revoked:
        await db.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id)
            .values(revoked_at=now, updated_at=now)
        )
    return await get_invitation(db, workspace_id=workspace_id, invitation_id=invitation_id)


async def list_my_invitations(
    db: Db, *, user_id: str, cursor: str | None, limit: int
) -> tuple[list[Invitation], Page]:
    """The pending invitations to the user's email, whenever they were sent (also before the
    account existed), in the order they were sent."""
    now = utcnow()
    stmt = _invitations.where(invitations.c.email_key == _email_key_of(user_id), _pending(now))
    page = await fetch_page(db, stmt, INVITATION_ORDER, cursor, limit)
    return [_shown(r, now) for r in page.rows], page


async def _load_mine(db: Db, user_id: str, invitation_id: str, now: datetime | None) -> Row:
    """The user's invitation, locked; with `now`, only while it is pending then. (On PostgreSQL
    a second accept waiting for the lock reads the row again once the first commits, and finds
    it no longer pending.)"""
    if not ids.is_valid(invitation_id, "inv"):
        raise NotFound(_NOT_YOURS)
    stmt = _invitations.where(
        invitations.c.id == invitation_id, invitations.c.email_key == _email_key_of(user_id)
    )
    if now is not None:
        stmt = stmt.where(_pending(now))
    return await db.one(stmt.with_for_update(of=invitations), missing=_NOT_YOURS)


async def accept_invitation(db: Db, *, user_id: str, invitation_id: str) -> Member:
    """Make the membership the invitation offers, and close it, in one transaction."""
    now = utcnow()
    row = await _load_mine(db, user_id, invitation_id, now)
    workspace_id = row["workspace_id"]
    existing = await db.first(
        select(memberships.c.id).where(
            memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
        )
    )
    if existing is not None:
        raise Conflict(
            "You are already a member of this workspace.",
            code="already_member",
            member_id=existing["id"],
        )
    try:
        member_id = await add_member(
            db, workspace_id=workspace_id, user_id=user_id, role=row["role"], now=now
        )
    except ConstraintViolation as exc:  # a concurrent acceptance of another invitation
        raise Conflict(
            "You are already a member of this workspace.", code="already_member"
        ) from exc
    await db.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id)
        .values(accepted_at=now, updated_at=now)
    )
    return await get_member(db, workspace_id=workspace_id, member_id=member_id)


async def decline_invitation(db: Db, *, user_id: str, invitation_id: str) -> Invitation:
    """Decline a pending invitation; declining it again answers the same."""
    now = utcnow()
    row = await _load_mine(db, user_id, invitation_id, None)
    status = status_of(row, now)
    if status is InvitationStatus.declined:
        return _shown(row, now)
    if status is not InvitationStatus.pending:
        raise NotFound(_NOT_YOURS)
    await db.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id)
        .values(declined_at=now, updated_at=now)
    )
    return _shown(await _load_mine(db, user_id, invitation_id, None), now)
