"""Workspaces (the tenant: one seeker's records) and who belongs to each, with which role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, table_of


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Settings of the seeker's practice: thank-you notes are expected within 48 hours; more than
    # about 12 interviews makes a referral likely (shared/domain.md).
    thank_you_due_hours: Mapped[int] = mapped_column(Integer, server_default="48")
    interview_goal: Mapped[int] = mapped_column(Integer, server_default="12")
    # The seeker's IANA zone: what "today" means on the home screen.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id"),
        # Member lists are per workspace in id (joining) order.
        Index("ix_memberships_workspace_id_id", "workspace_id", "id"),
    )


workspaces = table_of(Workspace)
memberships = table_of(Membership)
