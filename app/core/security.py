"""Secrets: Argon2id password hashes, JWT access tokens, opaque tokens stored as SHA-256."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.db import utcnow

T = TypeVar("T")

ACCESS_TOKEN_AUDIENCE = "rapport-api"
_JWT_ALGORITHM = "HS256"


class Passwords:
    """Argon2id with configurable cost, off the event loop and at most `concurrency` at a time.

    Argon2 is CPU-bound by design: unbounded, a burst of sign-ups would run one computation per
    worker thread and leave the event loop, which serves every other request, a sliver of the
    CPU. argon2-cffi releases the GIL, so the pool's threads use the cores without holding up
    the loop."""

    def __init__(self, *, time_cost: int, memory_kib: int, concurrency: int = 2) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Verifying against this keeps unknown-email logins as slow as known ones.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self._threads = ThreadPoolExecutor(concurrency, thread_name_prefix="rapport-argon2")
        # Waiting happens here rather than in the executor's queue: a request that is cancelled
        # (its client went away) while it waits then costs no computation at all.
        self._turns = asyncio.Semaphore(concurrency)
        # Computations started, running now and most ever running at once: for tests and
        # metrics only; nothing depends on them.
        self.computed = self.running = self.most_running = 0

    async def _compute(self, work: Callable[[], T]) -> T:
        async with self._turns:
            self.computed += 1
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            try:
                return await asyncio.get_running_loop().run_in_executor(self._threads, work)
            finally:
                self.running -= 1

    async def hash(self, password: str) -> str:
        return await self._compute(lambda: self._hasher.hash(password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash or self._dummy, password)
            except (VerificationError, InvalidHashError):
                return False

        matched = await self._compute(check)
        return matched and password_hash is not None


def new_token(prefix: str) -> str:
    """An opaque secret with a recognisable prefix (`rk_live_…`, `rt_…`): 256 bits of randomness."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored for a high-entropy token: its SHA-256, looked up by equality."""
    return hashlib.sha256(token.encode()).hexdigest()


def _derived(token: str, key: str, purpose: bytes) -> bytes:
    return hmac.new(key.encode(), purpose + b"\x00" + token.encode(), hashlib.sha256).digest()


def successor_token(token: str, key: str, prefix: str) -> str:
    """The token that rotating `token` issues, derived from it under `key` (HMAC-SHA256): the
    same rotation can be answered again, identically, without any plaintext being stored."""
    mac = _derived(token, key, b"rapport-successor")
    return prefix + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def access_token_id(refresh_token: str, key: str) -> str:
    """The `jti` of the access token issued together with `refresh_token` (64 bits)."""
    return _derived(refresh_token, key, b"rapport-access-token-id")[:8].hex()


def issue_access_token(
    user_id: str,
    key: str,
    ttl_seconds: int,
    *,
    session_id: str,
    issued_at: datetime | None = None,
    token_id: str | None = None,
) -> tuple[str, datetime]:
    """A signed access token of the session (`sid`) it was issued in; given `issued_at` and
    `token_id`, the same one every time."""
    now = issued_at or utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    claims = {
        "sub": user_id,
        "sid": session_id,
        "aud": ACCESS_TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": token_id or secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=_JWT_ALGORITHM), expires


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    session_id: str


def read_access_token(token: str, key: str) -> AccessClaims | None:
    """The user and session an access token names, or None when it is invalid or expired (or
    names no session: every token is refused once its session ends, so one without is too)."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[_JWT_ALGORITHM],
            audience=ACCESS_TOKEN_AUDIENCE,
            options={"require": ["sub", "sid", "exp", "aud"]},
        )
    except jwt.PyJWTError:
        return None
    subject, session = claims.get("sub"), claims.get("sid")
    if not isinstance(subject, str) or not isinstance(session, str):
        return None
    return AccessClaims(subject, session)
