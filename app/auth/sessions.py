"""Sessions: the rotating refresh tokens a login opens (one family a session), the access
tokens answered with them, the refresh grant, and signing out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.auth.models import refresh_tokens
from app.auth.schemas import TokenResponse
from app.core import ids
from app.core.db import Db, Row, utcnow
from app.core.errors import BadRequest
from app.core.security import (
    access_token_id,
    digest,
    issue_access_token,
    new_token,
    successor_token,
)

REFRESH_TOKEN_PREFIX = "rt_"


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    signing_key: str
    access_ttl_seconds: int
    refresh_ttl_seconds: int
    # How long after its rotation a refresh token presented again gets the same new pair; the
    # app sets it (scripts that only sign up need none).
    refresh_grace_seconds: int = 0


def invalid_grant(detail: str, *, keep_changes: bool = False) -> BadRequest:
    # Problem details plus RFC 6749 §5.2's `error`, so OAuth2 client libraries understand it.
    return BadRequest(
        detail,
        code="invalid_grant",
        keep_changes=keep_changes,
        error="invalid_grant",
        error_description=detail,
    )


async def open_session(db: Db, *, tokens: TokenPolicy, user_id: str) -> TokenResponse:
    """A login's first pair of tokens: a random refresh token that starts a session (a token
    family) of its own."""
    return await _issue_tokens(
        db, tokens, user_id, new_token(REFRESH_TOKEN_PREFIX), family_id=None, now=utcnow()
    )


async def _issue_tokens(
    db: Db, policy: TokenPolicy, user_id: str, refresh: str, *, family_id: str | None, now: datetime
) -> TokenResponse:
    """Store `refresh` in the session `family_id` (None: a new one, named after this token) and
    answer it with an access token."""
    token_id = ids.new_id("rtk")
    await db.execute(
        insert(refresh_tokens).values(
            id=token_id,
            user_id=user_id,
            family_id=family_id or token_id,
            token_hash=digest(refresh),
            created_at=now,
            expires_at=now + timedelta(seconds=policy.refresh_ttl_seconds),
        )
    )
    return _token_response(
        policy, user_id, refresh, session_id=family_id or token_id, issued_at=now
    )


def _token_response(
    policy: TokenPolicy, user_id: str, refresh: str, *, session_id: str, issued_at: datetime
) -> TokenResponse:
    # Everything in the access token follows from the refresh token and the time of issue, so
    # answering one rotation again gives the very same pair.
    access, _ = issue_access_token(
        user_id,
        policy.signing_key,
        policy.access_ttl_seconds,
        session_id=session_id,
        issued_at=issued_at,
        token_id=access_token_id(refresh, policy.signing_key),
    )
    return TokenResponse(
        access_token=access,
        expires_in=policy.access_ttl_seconds,
        refresh_token=refresh,
        refresh_token_expires_in=policy.refresh_ttl_seconds,
    )


_token_by_hash = select(
    refresh_tokens.c.id,
    refresh_tokens.c.user_id,
    refresh_tokens.c.family_id,
    refresh_tokens.c.expires_at,
    refresh_tokens.c.rotated_at,
    refresh_tokens.c.revoked_at,
).where(refresh_tokens.c.token_hash == bindparam("token_hash"))


def _revoke_family(family_id: str, now: datetime) -> Any:
    return (
        update(refresh_tokens)
        .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


_INVALID_REFRESH = "The refresh token is invalid, expired or revoked."


SessionsEnded = Callable[[str], None]


def nobody_to_tell(user_id: str) -> None:
    """No process cache to tell (scripts): the default `SessionsEnded`."""


async def refresh_grant(
    db: Db, *, tokens: TokenPolicy, refresh_token: str, ended: SessionsEnded = nobody_to_tell
) -> TokenResponse:
    """Rotate a refresh token. Presented again within the grace window (a retry, a second tab),
    it gets the same new pair; later, it revokes its whole family (and `ended(user_id)` runs
    once that is committed)."""
    token_hash = digest(refresh_token)
    row = await db.first(_token_by_hash, {"token_hash": token_hash})
    now = utcnow()
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
        raise invalid_grant(_INVALID_REFRESH)
    # Derived, not random: a repeated rotation finds its successor again by this token's hash.
    successor = successor_token(refresh_token, tokens.signing_key, REFRESH_TOKEN_PREFIX)
    if row["rotated_at"] is None:
        claimed = await db.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.id == row["id"],
                refresh_tokens.c.rotated_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(rotated_at=now)
        )
        if claimed:
            return await _issue_tokens(
                db, tokens, row["user_id"], successor, family_id=row["family_id"], now=now
            )
        # A parallel refresh of this token rotated it first (on PostgreSQL the update above
        # waited for its commit): answer as it did.
        row = await db.one(_token_by_hash, {"token_hash": token_hash})
    return await _rotated_again(db, tokens, row, successor, now, ended)


async def _rotated_again(
    db: Db, tokens: TokenPolicy, row: Row, successor: str, now: datetime, ended: SessionsEnded
) -> TokenResponse:
    """A rotated token presented again: within the grace window, the pair its rotation issued
    while that is still unused (OAuth 2.0 Security BCP, RFC 9700 §4.14.2); after it, a leak."""
    grace = timedelta(seconds=tokens.refresh_grace_seconds)
    if row["revoked_at"] is None and now - row["rotated_at"] < grace:
        issued = await db.first(_token_by_hash, {"token_hash": digest(successor)})
        if issued is None or issued["rotated_at"] is not None or issued["revoked_at"] is not None:
            # Its successor moved on, or the session ended: there is no pair to give again.
            raise invalid_grant(_INVALID_REFRESH)
        return _token_response(
            tokens,
            row["user_id"],
            successor,
            session_id=row["family_id"],
            issued_at=row["rotated_at"],
        )
    # A rotated token presented again means it leaked: end every session of that login.
    await db.execute(_revoke_family(row["family_id"], now))
    db.after_commit(partial(ended, row["user_id"]))
    raise invalid_grant(
        "The refresh token was already used; its session has been revoked.", keep_changes=True
    )


async def revoke(db: Db, *, token: str, ended: SessionsEnded = nobody_to_tell) -> None:
    """Revoke the session (token family) a refresh token belongs to; unknown tokens are ignored.
    Its access tokens are refused from the commit on."""
    row = await db.first(_token_by_hash, {"token_hash": digest(token)})
    if row is not None:
        await db.execute(_revoke_family(row["family_id"], utcnow()))
        db.after_commit(partial(ended, row["user_id"]))


def _revoke_sessions_of(user_id: str, now: datetime, *, keep: str | None) -> Any:
    stmt = update(refresh_tokens).where(
        refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(refresh_tokens.c.family_id != keep)
    return stmt.values(revoked_at=now)


async def end_sessions(
    db: Db, *, user_id: str, keep_session_id: str | None, ended: SessionsEnded = nobody_to_tell
) -> None:
    """Sign the user out of every session (but `keep_session_id`): their refresh tokens are
    revoked, and access tokens of those sessions refused from the commit on."""
    await db.execute(_revoke_sessions_of(user_id, utcnow(), keep=keep_session_id))
    db.after_commit(partial(ended, user_id))
