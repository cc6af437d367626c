"""Sign-up, and the OAuth2 grants with rotating refresh tokens, each behind its throttle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.auth import throttle
from app.auth.models import refresh_tokens, users
from app.auth.schemas import ME_MEMBERSHIPS_SHOWN, Me, MeMembership, TokenResponse, User
from app.auth.throttle import ThrottlePolicy
from app.core import ids
from app.core.db import ConstraintViolation, Database, Db, Row, utcnow
from app.core.errors import BadRequest, Conflict, FieldError, ValidationFailed
from app.core.security import (
    Passwords,
    access_token_id,
    digest,
    issue_access_token,
    new_token,
    successor_token,
)
from app.workspaces import service as workspaces
from app.workspaces.models import memberships
from app.workspaces.models import workspaces as workspaces_table
from app.workspaces.schemas import Workspace

REFRESH_TOKEN_PREFIX = "rt_"


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    signing_key: str
    access_ttl_seconds: int
    refresh_ttl_seconds: int
    # How long after its rotation a refresh token presented again gets the same new pair; the
    # app sets it (scripts that only sign up need none).
    refresh_grace_seconds: int = 0


def _invalid_grant(detail: str, *, keep_changes: bool = False) -> BadRequest:
    # Problem details plus RFC 6749 §5.2's `error`, so OAuth2 client libraries understand it.
    return BadRequest(
        detail,
        code="invalid_grant",
        keep_changes=keep_changes,
        error="invalid_grant",
        error_description=detail,
    )


_user_by_email = select(users.c.id, users.c.password_hash).where(
    users.c.email_key == bindparam("email_key")
)


def _email_taken() -> Conflict:
    return Conflict(
        "An account with that email already exists.",
        code="email_taken",
        errors=[FieldError(pointer="/email", detail="Already registered.", code="email_taken")],
    )


async def client_signup(
    database: Database,
    passwords: Passwords,
    tokens: TokenPolicy,
    policy: ThrottlePolicy,
    *,
    client_address: str,
    email: str,
    password: str,
    name: str,
    workspace_name: str | None,
) -> tuple[User, Workspace, TokenResponse]:
    """`signup` asked for by a client: too many attempts from its address answer 429.

    Its own transaction, begun once the password is hashed: a sign-up waiting its turn at
    Argon2 then holds no pooled connection, no lock and (SQLite) not the write lock. Holding
    them, a burst of sign-ups starved every other request (docs/performance.md)."""
    reader = database.reader()
    # Counted before anything else, so that a refused sign-up costs no hashing.
    await throttle.admit_signup(reader, policy, client_address=client_address, now=utcnow())
    if await reader.first(_user_by_email, {"email_key": email.lower()}) is not None:
        raise _email_taken()
    password_hash = await passwords.hash(password)
    async with database.transaction() as db:
        return await _create_account(
            db,
            tokens,
            email=email,
            password_hash=password_hash,
            name=name,
            workspace_name=workspace_name,
        )


async def signup(
    db: Db,
    *,
    passwords: Passwords,
    tokens: TokenPolicy,
    email: str,
    password: str,
    name: str,
    workspace_name: str | None,
) -> tuple[User, Workspace, TokenResponse]:
    """Create a user, their personal workspace (as owner) and a first pair of tokens."""
    if await db.first(_user_by_email, {"email_key": email.lower()}) is not None:
        raise _email_taken()
    return await _create_account(
        db,
        tokens,
        email=email,
        password_hash=await passwords.hash(password),
        name=name,
        workspace_name=workspace_name,
    )


async def _create_account(
    db: Db,
    tokens: TokenPolicy,
    *,
    email: str,
    password_hash: str,
    name: str,
    workspace_name: str | None,
) -> tuple[User, Workspace, TokenResponse]:
    now = utcnow()
    insert_user = (
        insert(users)
        .values(
            id=ids.new_id("usr"),
            email=email,
            email_key=email.lower(),
            name=name,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
        .returning(users.c.id, users.c.email, users.c.name, users.c.created_at, users.c.updated_at)
    )
    try:
        row = await db.one(insert_user)
    except ConstraintViolation as exc:
        # Another sign-up with this email won the race between the check and this insert.
        raise _email_taken() from exc
    workspace = await workspaces.create_workspace(
        db, owner_id=row["id"], name=workspace_name or name
    )
    token = await _issue_tokens(db, tokens, row["id"], family_id=None)
    return User.model_validate(row), workspace, token


async def _issue_tokens(
    db: Db,
    policy: TokenPolicy,
    user_id: str,
    *,
    family_id: str | None,
    refresh: str | None = None,
    now: datetime | None = None,
) -> TokenResponse:
    """Store a refresh token (`refresh`, or a new random one) and answer it with an access token."""
    refresh = refresh or new_token(REFRESH_TOKEN_PREFIX)
    now = now or utcnow()
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


async def password_grant(
    db: Db,
    *,
    passwords: Passwords,
    tokens: TokenPolicy,
    policy: ThrottlePolicy,
    email: str,
    password: str,
    client_address: str,
) -> TokenResponse:
    """Log in with email and password; repeated failures from the address, to the account or from
    everywhere to the account answer 429 (the limits: `ThrottlePolicy`)."""
    counters = throttle.LoginCounters.of(email, client_address)
    now = utcnow()
    # Checked before the password, so a locked account costs no hashing.
    await throttle.ensure_login_allowed(db, policy, counters, now)
    user = await db.first(_user_by_email, {"email_key": email.lower()})
    # An unknown email is verified against a dummy hash: both answers take as long.
    matched = await passwords.verify(user["password_hash"] if user else None, password)
    if user is None or not matched:
        await throttle.record_login_failure(db, policy, counters, now)
        raise _invalid_grant("Incorrect email or password.", keep_changes=True)
    await throttle.clear_login_failures(db, counters)
    return await _issue_tokens(db, tokens, user["id"], family_id=None)


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


def _ignore(user_id: str) -> None:
    """No process cache to tell (scripts)."""


async def refresh_grant(
    db: Db, *, tokens: TokenPolicy, refresh_token: str, ended: SessionsEnded = _ignore
) -> TokenResponse:
    """Rotate a refresh token. Presented again within the grace window (a retry, a second tab),
    it gets the same new pair; later, it revokes its whole family (and `ended(user_id)` runs
    once that is committed)."""
    token_hash = digest(refresh_token)
    row = await db.first(_token_by_hash, {"token_hash": token_hash})
    now = utcnow()
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
        raise _invalid_grant(_INVALID_REFRESH)
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
                db, tokens, row["user_id"], family_id=row["family_id"], refresh=successor, now=now
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
            raise _invalid_grant(_INVALID_REFRESH)
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
    raise _invalid_grant(
        "The refresh token was already used; its session has been revoked.", keep_changes=True
    )


async def revoke(db: Db, *, token: str, ended: SessionsEnded = _ignore) -> None:
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
    db: Db, *, user_id: str, keep_session_id: str | None, ended: SessionsEnded = _ignore
) -> None:
    """Sign the user out of every session (but `keep_session_id`): their refresh tokens are
    revoked, and access tokens of those sessions refused from the commit on."""
    await db.execute(_revoke_sessions_of(user_id, utcnow(), keep=keep_session_id))
    db.after_commit(partial(ended, user_id))


_password_of = select(users.c.email, users.c.password_hash).where(
    users.c.id == bindparam("user_id")
)


async def change_password(
    db: Db,
    *,
    passwords: Passwords,
    policy: ThrottlePolicy,
    user_id: str,
    session_id: str | None,
    current_password: str,
    new_password: str,
    client_address: str,
    ended: SessionsEnded = _ignore,
) -> None:
    """Change the password, proven by the current one, and end every session but `session_id`
    (the caller's; a user's access token always names one). A wrong
    current password counts as a failed login (a stolen access token must not become a way to
    guess the password faster than logging in)."""
    user = await db.one(_password_of, {"user_id": user_id}, missing="The user no longer exists.")
    counters = throttle.LoginCounters.of(user["email"], client_address)
    now = utcnow()
    await throttle.ensure_login_allowed(db, policy, counters, now)
    if not await passwords.verify(user["password_hash"], current_password):
        await throttle.record_login_failure(db, policy, counters, now)
        raise ValidationFailed(
            "The current password is not correct.",
            errors=[
                FieldError(
                    pointer="/current_password",
                    detail="Not the account's password.",
                    code="incorrect_password",
                )
            ],
            keep_changes=True,
        )
    await db.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=await passwords.hash(new_password), updated_at=now)
    )
    await end_sessions(db, user_id=user_id, keep_session_id=session_id, ended=ended)


_user_by_id = select(
    users.c.id, users.c.email, users.c.name, users.c.created_at, users.c.updated_at
).where(users.c.id == bindparam("user_id"))

_memberships_of = (
    select(
        memberships.c.workspace_id,
        workspaces_table.c.name.label("workspace_name"),
        memberships.c.role,
    )
    .join(workspaces_table, workspaces_table.c.id == memberships.c.workspace_id)
    .where(memberships.c.user_id == bindparam("user_id"))
    # The first page of GET /v1/me/memberships, and one more to tell whether there are others.
    .order_by(memberships.c.id)
    .limit(ME_MEMBERSHIPS_SHOWN + 1)
)


async def me(db: Db, *, user_id: str) -> Me:
    user = await db.one(_user_by_id, {"user_id": user_id}, missing="The user no longer exists.")
    rows = await db.all(_memberships_of, {"user_id": user_id})
    shown = [MeMembership.model_validate(r) for r in rows[:ME_MEMBERSHIPS_SHOWN]]
    return Me(**user, memberships=shown, memberships_has_more=len(rows) > ME_MEMBERSHIPS_SHOWN)
