"""Message templates with placeholders; built-in ones have no workspace and are read-only."""

from __future__ import annotations

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamps, WorkspaceId
from app.core.db import Base, table_of
from app.core.indexes import workspace_indexes


class Template(Base, Timestamps):
    __tablename__ = "templates"

    id: Mapped[PrimaryId]
    # NULL for built-in templates, which every workspace can read and copy.
    workspace_id: Mapped[WorkspaceId | None]
    builtin: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = workspace_indexes(__tablename__)


templates = table_of(Template)
