"""Follow-ups: the tasks the practice creates (thank-you notes, referrals to contact, updates)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamp, Timestamps, WorkspaceId
from app.core.db import Base, table_of
from app.core.indexes import workspace_indexes


class FollowUp(Base, Timestamps):
    __tablename__ = "follow_ups"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[Timestamp | None]
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    interview_id: Mapped[str | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE")
    )
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    snoozed_until: Mapped[Timestamp | None]
    completed_at: Mapped[Timestamp | None]
    # How a thank-you (or other message) went out, and whether it beat its due time.
    channel: Mapped[str | None] = mapped_column(String(16))
    on_time: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = workspace_indexes(
        __tablename__,
        sorts=("created_at", "due_at"),
        filters=("person_id", "interview_id"),
        more=[("status", "due_at", "id")],
    )


follow_ups = table_of(FollowUp)
