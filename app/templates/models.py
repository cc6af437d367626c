"""Message templates with placeholders; built-in ones have no workspace and are read-only."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamps
from app.core.db import Base, table_of


class Template(Base, Timestamps):
    __tablename__ = "templates"

    id: Mapped[PrimaryId]
    # NULL for built-in templates, which every workspace can read and copy.
    workspace_id: Mapped[str | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    builtin: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_templates_workspace_id_id", "workspace_id", "id"),)


templates = table_of(Template)
