"""Interview sessions: who, when and where, preparation, lifecycle, agenda and outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, StoredDocumentColumns, Timestamp, Timestamps, WorkspaceId
from app.core.db import Base, JSONDocument, table_of
from app.core.indexes import workspace_indexes

NO_INTERVIEW = "No interview has that id in this workspace."


class Interview(Base, Timestamps, StoredDocumentColumns):
    __tablename__ = "interviews"
    # Its stored document (`doc`) leaves the expanded objects out.

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    # Deleting a person deletes their interviews only when the client asked for ?cascade=true.
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    career_field: Mapped[str | None] = mapped_column(String(200))
    role_of_interest: Mapped[str | None] = mapped_column(String(200))
    format: Mapped[str | None] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(200))
    meeting_url: Mapped[str | None] = mapped_column(String(2048))
    scheduled_at: Mapped[Timestamp | None]
    timezone: Mapped[str | None] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[Timestamp | None]
    ended_at: Mapped[Timestamp | None]
    status: Mapped[str] = mapped_column(String(16))
    introduction: Mapped[str | None] = mapped_column(Text)
    research_notes: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    observations: Mapped[str | None] = mapped_column(Text)
    reflection: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    would_pursue: Mapped[str | None] = mapped_column(String(8))
    business_card_received: Mapped[bool | None] = mapped_column(Boolean)
    may_contact_again: Mapped[bool | None] = mapped_column(Boolean)
    # Lower-cased text that `?q=` searches (field, role, notes, observations).
    search_text: Mapped[str] = mapped_column(Text)

    __table_args__ = workspace_indexes(
        __tablename__,
        sorts=("created_at", "scheduled_at"),
        filters=("status", "person_id", "organisation_id"),
    )


class AgendaItem(Base, Timestamps):
    __tablename__ = "agenda_items"

    id: Mapped[PrimaryId]
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    workspace_id: Mapped[WorkspaceId]
    position: Mapped[int] = mapped_column(Integer)
    # Set when copied from a bank; `text` keeps the wording as it was then.
    question_id: Mapped[str | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32))
    answer: Mapped[str | None] = mapped_column(Text)
    asked: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_agenda_items_interview_id_position", "interview_id", "position"),)


interviews = table_of(Interview)
agenda_items = table_of(AgendaItem)
