"""Workspaces (the tenant: one seeker's records), who belongs to each with which role, and who
is invited to."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, and_, text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import EmailAddress
from app.core.columns import PrimaryId, Timestamp, Timestamps, WorkspaceId
from app.core.db import Base, table_of

# A member's, or an invitation's, role: a value of app.auth.scopes.Role.
RoleName = Annotated[str, mapped_column(String(16))]


class Workspace(Base, Timestamps):
    __tablename__ = "workspaces"

    id: Mapped[PrimaryId]
    name: Mapped[str] = mapped_column(String(200))
    # Settings of the seeker's practice: thank-you notes are expected within 48 hours; more than
    # about 12 interviews makes a referral likely (shared/domain.md).
    thank_you_due_hours: Mapped[int] = mapped_column(Integer, server_default="48")
    interview_goal: Mapped[int] = mapped_column(Integer, server_default="12")
    # The seeker's IANA zone: what "today" means on the home screen.
    timezone: Mapped[str | None] = mapped_column(String(64))


class Membership(Base, Timestamps):
    __tablename__ = "memberships"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[RoleName]

    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id"),
        # Member lists are per workspace in id (joining) order.
        Index("ix_memberships_workspace_id_id", "workspace_id", "id"),
    )


# An invitation neither accepted, declined nor revoked (it may have expired).
INVITATION_OPEN = "accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL"


class Invitation(Base):
    """An owner's offer of a role to an email address: a membership once its invitee accepts."""

    __tablename__ = "invitations"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    email: Mapped[EmailAddress]
    # Lowercased: the invitee is whoever holds the account with this email, whatever its case.
    email_key: Mapped[EmailAddress]
    role: Mapped[RoleName]
    invited_by: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    accepted_at: Mapped[Timestamp | None]
    declined_at: Mapped[Timestamp | None]
    revoked_at: Mapped[Timestamp | None]

    __table_args__ = (
        # The owners' list, per workspace in id (creation) order.
        Index("ix_invitations_workspace_id_id", "workspace_id", "id"),
        # The invitee's list: their email's invitations in id order.
        Index("ix_invitations_email_key_id", "email_key", "id"),
        # One open invitation per workspace and address (an expired one is closed when replaced);
        # it also serves the count of a workspace's pending invitations.
        Index(
            "uq_invitations_open_workspace_id_email_key",
            "workspace_id",
            "email_key",
            unique=True,
            sqlite_where=text(INVITATION_OPEN),
            postgresql_where=text(INVITATION_OPEN),
        ),
    )


workspaces = table_of(Workspace)
memberships = table_of(Membership)
invitations = table_of(Invitation)
# INVITATION_OPEN for statements.
invitation_is_open = and_(
    invitations.c.accepted_at.is_(None),
    invitations.c.declined_at.is_(None),
    invitations.c.revoked_at.is_(None),
)
