"""Sign-up, the OAuth2 grants with rotating refresh tokens, and the login throttle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.auth import throttle
from app.auth.models import refresh_tokens, users
from app.auth.schemas import ME_MEMBERSHIPS_SHOWN, Me, MeMembership, TokenResponse, User
from app.auth.throttle import ThrottlePolicy
from app.core import ids
from app.core.db import ConstraintViolation, Db, utcnow
from app.core.errors import BadRequest, Conflict, FieldError
from app.core.security import Passwords, digest, issue_access_token, new_token
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


async def signup(
    db: Db,
    passwords: Passwords,
    tokens: TokenPolicy,
    *,
    email: str,
    password: str,
    name: str,
    workspace_name: str | None,
) -> tuple[User, Workspace, TokenResponse]:
    """Create a user, their personal workspace (as owner) and a first pair of tokens."""
    email_key = email.lower()
    if await db.first(_user_by_email, {"email_key": email_key}) is not None:
        raise _email_taken()
    password_hash = await passwords.hash(password)
    now = utcnow()
    insert_user = (
        insert(users)
        .values(
            id=ids.new_id("usr"),
            email=email,
            email_key=email_key,
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
        # Another sign-up with this email won the race between the check above and this insert.
        raise _email_taken() from exc
    workspace = await workspaces.create_workspace(db, row["id"], workspace_name or name)
    token = await _issue_tokens(db, tokens, row["id"], family_id=None)
    return User.model_validate(row), workspace, token


async def _issue_tokens(
    db: Db, policy: TokenPolicy, user_id: str, *, family_id: str | None
) -> TokenResponse:
    access, _ = issue_access_token(user_id, policy.signing_key, policy.access_ttl_seconds)
    refresh = new_token(REFRESH_TOKEN_PREFIX)
    now = utcnow()
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
    return TokenResponse(
        access_token=access,
        expires_in=policy.access_ttl_seconds,
        refresh_token=refresh,
        refresh_token_expires_in=policy.refresh_ttl_seconds,
    )


async def password_grant(
    db: Db,
    passwords: Passwords,
    tokens: TokenPolicy,
    policy: ThrottlePolicy,
    *,
    email: str,
    password: str,
    client_address: str,
) -> TokenResponse:
    """Log in with email and password; repeated failures per account or address answer 429."""
    account, address = throttle.account_key(email), throttle.address_key(client_address)
    now = utcnow()
    window = timedelta(seconds=policy.window_seconds)
    # Checked before the password, so a locked account costs no hashing. The address check is
    # not serialised: it can be exceeded by as many logins as are in flight from one address.
    held = await throttle.hold_account(db, account, now, window)
    throttle.ensure_below(held, policy.max_per_account, now, window)
    address_state = await throttle.address_state(db, address, now, window)
    throttle.ensure_below(address_state, policy.max_per_address, now, window)
    user = await db.first(_user_by_email, {"email_key": email.lower()})
    # An unknown email is verified against a dummy hash: both answers take as long.
    matched = await passwords.verify(user["password_hash"] if user else None, password)
    if user is None or not matched:
        await throttle.record_failure(db, (account, address), now, window)
        raise _invalid_grant("Incorrect email or password.", keep_changes=True)
    await throttle.clear(db, account)
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


async def refresh_grant(db: Db, tokens: TokenPolicy, *, refresh_token: str) -> TokenResponse:
    """Rotate a refresh token. Presenting a rotated one again revokes its whole family."""
    row = await db.first(_token_by_hash, {"token_hash": digest(refresh_token)})
    now = utcnow()
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
        raise _invalid_grant("The refresh token is invalid, expired or revoked.")
    claimed = await db.execute(
        update(refresh_tokens)
        .where(
            refresh_tokens.c.id == row["id"],
            refresh_tokens.c.rotated_at.is_(None),
            refresh_tokens.c.revoked_at.is_(None),
        )
        .values(rotated_at=now)
    )
    if not claimed:
        # A rotated token presented again means it leaked: end every session of that login.
        await db.execute(_revoke_family(row["family_id"], now))
        raise _invalid_grant(
            "The refresh token was already used; its session has been revoked.", keep_changes=True
        )
    return await _issue_tokens(db, tokens, row["user_id"], family_id=row["family_id"])


async def revoke(db: Db, *, token: str) -> None:
    """Revoke the session (token family) a refresh token belongs to; unknown tokens are ignored."""
    row = await db.first(_token_by_hash, {"token_hash": digest(token)})
    if row is not None:
        await db.execute(_revoke_family(row["family_id"], utcnow()))


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


async def me(db: Db, user_id: str) -> Me:
    user = await db.one(_user_by_id, {"user_id": user_id}, missing="The user no longer exists.")
    rows = await db.all(_memberships_of, {"user_id": user_id})
    shown = [MeMembership.model_validate(r) for r in rows[:ME_MEMBERSHIPS_SHOWN]]
    return Me(**user, memberships=shown, memberships_has_more=len(rows) > ME_MEMBERSHIPS_SHOWN)
