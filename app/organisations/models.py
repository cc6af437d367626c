"""Organisations: where the people a seeker talks to work, and the seeker's target list."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, StoredDocumentColumns, Timestamps, WorkspaceId
from app.core.db import Base, JSONDocument, table_of
from app.core.indexes import workspace_indexes


class Organisation(Base, Timestamps, StoredDocumentColumns):
    __tablename__ = "organisations"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    name: Mapped[str] = mapped_column(String(200))
    # Names are unique per workspace case-insensitively: the lower-cased form is indexed.
    name_key: Mapped[str] = mapped_column(String(200))
    # Normalised, so up to 3 × 2,048 + 1 characters from 2,048 sent (schemas.WEBSITE_STORED_MAX).
    website: Mapped[str | None] = mapped_column(String(6145))
    industry: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(200))
    is_target: Mapped[bool] = mapped_column(Boolean)
    target_rank: Mapped[int | None] = mapped_column(Integer)
    why_interested: Mapped[str | None] = mapped_column(Text)
    culture: Mapped[str | None] = mapped_column(Text)
    strengths: Mapped[str | None] = mapped_column(Text)
    recent_news: Mapped[str | None] = mapped_column(Text)
    competitors: Mapped[str | None] = mapped_column(Text)
    position_in_field: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONDocument)
    # Lower-cased text that `?q=` searches (name, industry, location, notes, research).
    search_text: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key"),
        *workspace_indexes(
            __tablename__,
            sorts=("created_at", "updated_at", "target_rank"),
            filters=("industry",),
            more=[("is_target", "target_rank")],
        ),
    )


organisations = table_of(Organisation)
