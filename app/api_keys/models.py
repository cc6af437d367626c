"""API keys: a workspace's credentials for integrations; only a SHA-256 of the secret is kept."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import SecretDigest
from app.core.columns import PrimaryId, Timestamp, WorkspaceId
from app.core.db import Base, JSONDocument, table_of


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[PrimaryId]
    workspace_id: Mapped[WorkspaceId]
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    last_four: Mapped[str] = mapped_column(String(4))
    secret_hash: Mapped[SecretDigest]
    scopes: Mapped[list[str]] = mapped_column(JSONDocument)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    last_used_at: Mapped[Timestamp | None]
    expires_at: Mapped[Timestamp | None]
    revoked_at: Mapped[Timestamp | None]

    # Lists are per workspace in id (creation) order.
    __table_args__ = (Index("ix_api_keys_workspace_id_id", "workspace_id", "id"),)


api_keys = table_of(ApiKey)
