"""Users, their refresh tokens, and the throttles' counters."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import PrimaryId, Timestamp, Timestamps
from app.core.db import Base, table_of

# An email address as given, or lower-cased (`email_key`): at most RFC 5321's 320 characters.
EmailAddress = Annotated[str, mapped_column(String(320))]

# What is kept of a secret (an API key, a refresh token): its SHA-256 in hex
# (app.core.security.digest), unique, as the secret presented is looked up by it.
SecretDigest = Annotated[str, mapped_column(String(64), unique=True)]


class User(Base, Timestamps):
    __tablename__ = "users"

    id: Mapped[PrimaryId]
    email: Mapped[EmailAddress]
    # Emails are unique case-insensitively: the lower-cased form carries the unique index.
    email_key: Mapped[EmailAddress] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))


class RefreshToken(Base):
    """One opaque refresh token; rotating it creates the next one in the same family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[PrimaryId]
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[SecretDigest]
    created_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    rotated_at: Mapped[Timestamp | None]
    revoked_at: Mapped[Timestamp | None]


class LoginThrottle(Base):
    """A throttle's count per key in its current window: failed logins (`account:<email>`,
    `account-address:<ip> <email>`, `address:<ip>`) or accounts created (`signup:<ip>`)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_started_at: Mapped[Timestamp]
    failures: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_login_throttles_window_started_at", "window_started_at"),)


users = table_of(User)
refresh_tokens = table_of(RefreshToken)
login_throttles = table_of(LoginThrottle)
