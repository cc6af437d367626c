"""Follow-ups: the tasks the practice creates (thank-you notes, referrals to contact, updates)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, table_of


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    interview_id: Mapped[str | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE")
    )
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How a thank-you (or other message) went out, and whether it beat its due time.
    channel: Mapped[str | None] = mapped_column(String(16))
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_follow_ups_workspace_id_id", "workspace_id", "id"),
        Index("ix_follow_ups_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        Index(
            "ix_follow_ups_workspace_id_status_due_at_id", "workspace_id", "status", "due_at", "id"
        ),
        Index("ix_follow_ups_workspace_id_due_at_id", "workspace_id", "due_at", "id"),
        Index("ix_follow_ups_workspace_id_person_id", "workspace_id", "person_id"),
        Index("ix_follow_ups_workspace_id_interview_id", "workspace_id", "interview_id"),
    )


follow_ups = table_of(FollowUp)
