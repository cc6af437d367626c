"""Accounts: sign-up, logging in with a password, changing it (each behind its throttle), and
the user's own `me`."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import bindparam, insert, select, update

from app.auth import throttle
from app.auth.models import users
from app.auth.schemas import ME_MEMBERSHIPS_SHOWN, Me, MeMembership, TokenResponse, User
from app.auth.sessions import (
    SessionsEnded,
    TokenPolicy,
    end_sessions,
    invalid_grant,
    nobody_to_tell,
    open_session,
)
from app.auth.throttle import ThrottlePolicy
from app.core.db import ConstraintViolation, Database, Db, utcnow
from app.core.errors import Conflict, FieldError, Forbidden
from app.core.inserts import new_row
from app.core.security import Passwords
from app.workspaces import service as workspaces
from app.workspaces.models import memberships
from app.workspaces.models import workspaces as workspaces_table
from app.workspaces.schemas import Workspace

_user_by_email = select(users.c.id, users.c.password_hash).where(
    users.c.email_key == bindparam("email_key")
)


class _UserColumns(TypedDict):
    email: str
    email_key: str
    name: str
    password_hash: str


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
    await throttle.admit_signup(reader, policy=policy, client_address=client_address, now=utcnow())
    user = await _new_user(reader, passwords, email=email, password=password, name=name)
    async with database.transaction() as db:
        return await _create_account(db, tokens, user, workspace_name)


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
    user = await _new_user(db, passwords, email=email, password=password, name=name)
    return await _create_account(db, tokens, user, workspace_name)


async def _new_user(
    reader: Db, passwords: Passwords, *, email: str, password: str, name: str
) -> _UserColumns:
    """A new user's columns, once no account has the email: a taken one is refused before its
    password costs hashing."""
    if await reader.first(_user_by_email, {"email_key": email.lower()}) is not None:
        raise _email_taken()
    password_hash = await passwords.hash(password)
    return {
        "email": email,
        "email_key": email.lower(),
        "name": name,
        "password_hash": password_hash,
    }


async def _create_account(
    db: Db, tokens: TokenPolicy, user: _UserColumns, workspace_name: str | None
) -> tuple[User, Workspace, TokenResponse]:
    """Store the user, their workspace (named after them unless `workspace_name`) and a first
    session."""
    insert_user = (
        insert(users)
        .values(new_row("usr", **user))
        .returning(users.c.id, users.c.email, users.c.name, users.c.created_at, users.c.updated_at)
    )
    try:
        row = await db.one(insert_user)
    except ConstraintViolation as exc:
        # Another sign-up with this email won the race between the check and this insert.
        raise _email_taken() from exc
    workspace = await workspaces.create_workspace(
        db, owner_id=row["id"], name=workspace_name or user["name"]
    )
    token = await open_session(db, tokens=tokens, user_id=row["id"])
    return User.model_validate(row), workspace, token


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
    await throttle.ensure_login_allowed(db, policy=policy, counters=counters, now=now)
    user = await db.first(_user_by_email, {"email_key": email.lower()})
    # An unknown email is verified against a dummy hash: both answers take as long.
    matched = await passwords.verify(user["password_hash"] if user else None, password)
    if user is None or not matched:
        await throttle.record_login_failure(db, policy=policy, counters=counters, now=now)
        raise invalid_grant("Incorrect email or password.", keep_changes=True)
    await throttle.clear_login_failures(db, counters=counters)
    return await open_session(db, tokens=tokens, user_id=user["id"])


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
    ended: SessionsEnded = nobody_to_tell,
) -> None:
    """Change the password, proven by the current one, and end every session but `session_id`
    (the caller's; a user's access token always names one). A wrong
    current password counts as a failed login (a stolen access token must not become a way to
    guess the password faster than logging in)."""
    user = await db.one(_password_of, {"user_id": user_id}, missing="The user no longer exists.")
    counters = throttle.LoginCounters.of(user["email"], client_address)
    now = utcnow()
    await throttle.ensure_login_allowed(db, policy=policy, counters=counters, now=now)
    if not await passwords.verify(user["password_hash"], current_password):
        await throttle.record_login_failure(db, policy=policy, counters=counters, now=now)
        # 403, not 422: the body is well formed; the proof of identity it carries is refused,
        # as a login's would be (the access token stays valid, so not 401).
        raise Forbidden(
            "The current password is not correct.",
            code="incorrect_password",
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
