"""People: the contacts a seeker reaches, who referred whom, and how far each relationship got."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, StoredDocumentColumns, Timestamp, Timestamps, WorkspaceId
from app.core.db import Base, JSONDocument, table_of


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

    # One index per keyset sort (workspace, sort key, id) and per filter.
    __table_args__ = (
        Index("ix_people_workspace_id_id", "workspace_id", "id"),
        Index("ix_people_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        Index("ix_people_workspace_id_updated_at_id", "workspace_id", "updated_at", "id"),
        Index("ix_people_workspace_id_family_name_id", "workspace_id", "family_name", "id"),
        Index(
            "ix_people_workspace_id_last_contacted_at_id", "workspace_id", "last_contacted_at", "id"
        ),
        Index(
            "ix_people_workspace_id_organisation_id_created_at_id",
            "workspace_id",
            "organisation_id",
            "created_at",
            "id",
        ),
        Index("ix_people_workspace_id_relationship_stage", "workspace_id", "relationship_stage"),
        Index("ix_people_workspace_id_source", "workspace_id", "source"),
        Index("ix_people_workspace_id_referred_by_id", "workspace_id", "referred_by_id"),
        # PostgreSQL only (migration 0006): `?tag=` (jsonb containment) and `?q=` (substring
        # search, pg_trgm) stay index lookups in a workspace of a million people.
        Index(
            "ix_people_tags",
            "tags",
            postgresql_using="gin",
            postgresql_ops={"tags": "jsonb_path_ops"},
            info={"postgresql_only": True},
        ),
        Index(
            "ix_people_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            info={"postgresql_only": True},
        ),
    )


people = table_of(Person)
