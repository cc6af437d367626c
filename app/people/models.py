"""People: the contacts a seeker reaches, who referred whom, and how far each relationship got."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, StoredDocumentColumns, Timestamp, Timestamps, WorkspaceId
from app.core.db import Base, JSONDocument, table_of
from app.core.indexes import workspace_indexes


def _postgresql_gin(name: str, column: str, ops: str) -> Index:
    """A GIN index on `column` with operator class `ops`, which only PostgreSQL has."""
    return Index(
        name,
        column,
        postgresql_using="gin",
        postgresql_ops={column: ops},
        info={"postgresql_only": True},
    )


class Person(Base, Timestamps, StoredDocumentColumns):
    __tablename__ = "people"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    # [{"address", "label", "primary"}] and [{"number", "label", "primary"}]
    emails: Mapped[list[dict[str, object]]] = mapped_column(JSONDocument)
    phones: Mapped[list[dict[str, object]]] = mapped_column(JSONDocument)
    job_title: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    location: Mapped[str | None] = mapped_column(String(200))
    linkedin_url: Mapped[str | None] = mapped_column(String(2048))
    # [{"label", "url"}]: portfolio, personal site, other networks.
    profile_urls: Mapped[list[dict[str, object]]] = mapped_column(JSONDocument)
    source: Mapped[str | None] = mapped_column(String(32))
    referred_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    relationship_stage: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSONDocument)
    notes: Mapped[str | None] = mapped_column(Text)
    # Permissions the person gave; null until asked.
    may_use_name_as_referral: Mapped[bool | None] = mapped_column(Boolean)
    open_to_follow_up: Mapped[bool | None] = mapped_column(Boolean)
    last_contacted_at: Mapped[Timestamp | None]
    # Each time a stay-in-touch follow-up is done, the next is due this many days later.
    stay_in_touch_every_days: Mapped[int | None] = mapped_column(Integer)
    # Lower-cased text that `?q=` searches (names, emails, job title, notes).
    search_text: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        *workspace_indexes(
            __tablename__,
            sorts=("created_at", "updated_at", "family_name", "last_contacted_at"),
            filters=("relationship_stage", "source", "referred_by_id"),
            more=[("organisation_id", "created_at", "id")],
        ),
        # PostgreSQL only (migration 0006): `?tag=` (jsonb containment) and `?q=` (substring
        # search, pg_trgm) stay index lookups in a workspace of a million people.
        _postgresql_gin("ix_people_tags", "tags", "jsonb_path_ops"),
        _postgresql_gin("ix_people_search_text_trgm", "search_text", "gin_trgm_ops"),
    )


people = table_of(Person)
