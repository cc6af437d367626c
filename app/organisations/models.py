"""Organisations: where the people a seeker talks to work, and the seeker's target list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, JSONDocument, UTCDateTime, table_of


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Names are unique per workspace case-insensitively: the lower-cased form is indexed.
    name_key: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(2048))
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row's JSON representation as last written (app.core.rows), and the version of the
    # representation that wrote it: list pages and embeds send it as it is when that is the
    # running code's. NULL when an update did not rewrite it (a trigger clears it, migration
    # 0007); readers then build the JSON from the columns.
    doc: Mapped[str | None] = mapped_column(Text)
    doc_version: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key"),
        Index("ix_organisations_workspace_id_id", "workspace_id", "id"),
        Index("ix_organisations_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        Index("ix_organisations_workspace_id_updated_at_id", "workspace_id", "updated_at", "id"),
        Index(
            "ix_organisations_workspace_id_is_target_target_rank",
            "workspace_id",
            "is_target",
            "target_rank",
        ),
        Index("ix_organisations_workspace_id_industry", "workspace_id", "industry"),
        Index("ix_organisations_workspace_id_target_rank_id", "workspace_id", "target_rank", "id"),
    )


organisations = table_of(Organisation)
