"""The responses kept for idempotency keys, 24 hours each."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import Timestamp
from app.core.db import Base, table_of

# The longest key a client may send (docs/api.md).
KEY_MAX = 255
# `scope` of keys sent outside any workspace (`POST /v1/workspaces`, `/v1/me/…`).
NO_WORKSPACE = "-"


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    # Whose key: the user (`usr_…`) or the API key (`key_…`) that sent it; two credentials
    # never see each other's keys, even in one workspace.
    credential_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The workspace the request acted in (its id), or NO_WORKSPACE.
    scope: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    # The workspace again, so that deleting it deletes its keys (NULL for NO_WORKSPACE).
    workspace_id: Mapped[str | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    # SHA-256 (hex) of the method, path, query and body: a key names one request.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    # The headers and body of the response, sealed (app.idempotency.service.Sealer).
    response: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]

    __table_args__ = (
        Index("ix_idempotency_keys_expires_at", "expires_at"),
        Index("ix_idempotency_keys_workspace_id", "workspace_id"),
    )


idempotency_keys = table_of(IdempotencyKey)
