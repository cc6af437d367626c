"""Secrets: Argon2id password hashes, JWT access tokens, opaque tokens stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

from app.core.db import utcnow

ACCESS_TOKEN_AUDIENCE = "rapport-api"
_JWT_ALGORITHM = "HS256"


class Passwords:
    """Argon2id with configurable cost; hashing runs off the event loop (it is CPU-bound)."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Verifying against this keeps unknown-email logins as slow as known ones.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await run_in_threadpool(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash or self._dummy, password)
            except (VerificationError, InvalidHashError):
                return False

        matched = await run_in_threadpool(check)
        return matched and password_hash is not None


def new_token(prefix: str) -> str:
    """An opaque secret with a recognisable prefix (`rk_live_…`, `rt_…`): 256 bits of randomness."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored for a high-entropy token: its SHA-256, looked up by equality."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_token(user_id: str, key: str, ttl_seconds: int) -> tuple[str, datetime]:
    now = utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    claims = {
        "sub": user_id,
        "aud": ACCESS_TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=_JWT_ALGORITHM), expires


def read_access_token(token: str, key: str) -> str | None:
    """The user id an access token names, or None when it is invalid or expired."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[_JWT_ALGORITHM],
            audience=ACCESS_TOKEN_AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
