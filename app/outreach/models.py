"""Outreach: every attempt to reach a person, its channel and what came of it."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamp, Timestamps, WorkspaceId
from app.core.db import Base, table_of
from app.core.indexes import workspace_indexes


class Outreach(Base, Timestamps):
    __tablename__ = "outreach"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    strategy: Mapped[str | None] = mapped_column(String(8))
    # The mutual contact who introduced the seeker (warm outreach).
    introduced_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    template_id: Mapped[str | None] = mapped_column(ForeignKey("templates.id", ondelete="SET NULL"))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[Timestamp | None]
    responded_at: Mapped[Timestamp | None]
    # The interview it led to, once accepted.
    interview_id: Mapped[str | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL")
    )
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = workspace_indexes(
        __tablename__, sorts=("created_at", "sent_at"), filters=("person_id", "status")
    )


outreach = table_of(Outreach)
