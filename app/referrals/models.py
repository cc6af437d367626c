"""Referrals: the names an interviewee gave, linking the people of the referral tree."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamps, WorkspaceId
from app.core.db import Base, table_of
from app.core.indexes import workspace_indexes


class Referral(Base, Timestamps):
    """A name an interviewee gave in an interview: who referred whom, and whether the seeker may
    mention the referrer when reaching out."""

    __tablename__ = "referrals"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    interview_id: Mapped[str | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL")
    )
    referrer_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    may_use_referrer_name: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("interview_id", "person_id"),
        *workspace_indexes(__tablename__, filters=("referrer_id", "person_id")),
    )


referrals = table_of(Referral)
