"""Leads: opportunities heard of in conversations (the hidden job market)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime, table_of


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_leads_workspace_id_id", "workspace_id", "id"),
        Index("ix_leads_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        Index("ix_leads_workspace_id_status", "workspace_id", "status"),
        Index("ix_leads_workspace_id_organisation_id", "workspace_id", "organisation_id"),
        Index("ix_leads_workspace_id_source_person_id", "workspace_id", "source_person_id"),
    )


leads = table_of(Lead)
