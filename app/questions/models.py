"""Question banks and their ordered questions; the built-in bank has no workspace."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamps, WorkspaceId
from app.core.db import Base, table_of
from app.core.indexes import workspace_indexes


class QuestionBank(Base, Timestamps):
    __tablename__ = "question_banks"

    id: Mapped[PrimaryId]
    # NULL for the built-in bank, which every workspace can read and copy but not change.
    workspace_id: Mapped[WorkspaceId | None]
    builtin: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = workspace_indexes(__tablename__)


class Question(Base, Timestamps):
    __tablename__ = "questions"

    id: Mapped[PrimaryId]
    bank_id: Mapped[str] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"))
    workspace_id: Mapped[WorkspaceId | None]
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    # Dense, 1-based order within the bank.
    position: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_questions_bank_id_position", "bank_id", "position"),)


question_banks = table_of(QuestionBank)
questions = table_of(Question)
