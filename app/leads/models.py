"""Leads: opportunities heard of in conversations (the hidden job market)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamps, WorkspaceId
from app.core.db import Base, table_of
from app.core.indexes import workspace_indexes


class Lead(Base, Timestamps):
    __tablename__ = "leads"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    source_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    source_interview_id: Mapped[str | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2048))
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = workspace_indexes(
        __tablename__,
        sorts=("created_at",),
        filters=("status", "organisation_id", "source_person_id"),
    )


leads = table_of(Lead)
