"""Column declarations every family's tables repeat, each named once: `id: Mapped[PrimaryId]`.

They are `Annotated` types that SQLAlchemy copies into each table (a fresh column per use), so
a table reads its columns in declaration order as before, and migrations see the same schema.
Only declarations that mean the same thing everywhere belong here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime

# Every table's key: a public id from app/core/ids.py (a type prefix and a UUIDv7 in hex).
PrimaryId = Annotated[str, mapped_column(String(36), primary_key=True)]

# The tenant: a workspace's records go with it. `WorkspaceId | None` where a row may be built in
# (a bank or template every workspace reads).
WorkspaceId = Annotated[str, mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))]

# An instant, always aware UTC (`created_at`, `updated_at`, …); `Timestamp | None` for one that
# may not have happened yet.
Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]


class Timestamps:
    """`created_at` and `updated_at`, set by the services on every write. A mixin's columns come
    after the class's own, so only tables whose columns end with these two take it, and keep
    the order they had (tests/core/test_columns.py)."""

    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class StoredDocumentColumns:
    """The row's JSON representation as last written (app/core/stored_documents.py), and the
    version of the representation that wrote it: list pages and embeds send it as it is when
    that is the running code's. NULL when an update did not rewrite it (a trigger clears it,
    migration 0007); readers then build the JSON from the columns. After `Timestamps` in a
    table's bases, so they are its last columns."""

    doc: Mapped[str | None] = mapped_column(Text)
    doc_version: Mapped[str | None] = mapped_column(String(16))
