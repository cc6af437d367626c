"""The throttles of failed logins and of sign-ups: counters per key and window, kept in the
database so that every app process sees the same ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, select

from app.auth.models import login_throttles as table
from app.core.db import Db, Row, dialect_insert
from app.core.errors import RateLimited
from app.core.networks import client_network


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window_seconds: int
    # Failed logins per window: to one account from one address, to one account in all, and
    # from one address to any accounts.
    max_per_account_address: int
    max_per_account: int
    max_per_address: int
    signup_window_seconds: int
    signup_max_per_address: int


def account_key(email: str) -> str:
    return "account:" + email.lower()


def address_key(client_address: str) -> str:
    return "address:" + client_network(client_address)


def account_address_key(email: str, client_address: str) -> str:
    # The network first: it never holds a space, so no email can make two pairs collide.
    return f"account-address:{client_network(client_address)} {email.lower()}"


def signup_key(client_address: str) -> str:
    return "signup:" + client_network(client_address)


def _upsert(db: Db, key: str, now: datetime, floor: datetime, *, add: int) -> Any:
    """Insert the counter or update it in place; a counter from a closed window restarts. On
    PostgreSQL the row stays locked until the transaction ends."""
    expired = table.c.window_started_at <= floor
    stmt = dialect_insert(db.dialect_name, table).values(
        key=key, window_started_at=now, failures=add
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((expired, add), else_=table.c.failures + add),
            "window_started_at": case((expired, now), else_=table.c.window_started_at),
        },
    ).returning(table.c.failures, table.c.window_started_at)


_state = select(table.c.failures, table.c.window_started_at).where(
    table.c.key == bindparam("key"), table.c.window_started_at > bindparam("floor")
)


def _ensure_below(
    state: Row | None, limit: int, now: datetime, window: timedelta, detail: str
) -> None:
    if state is not None and state["failures"] >= limit:
        retry = state["window_started_at"] + window - now
        raise RateLimited(detail, retry_after=int(retry.total_seconds()) + 1)


async def _sweep(db: Db, policy: ThrottlePolicy, now: datetime) -> None:
    """Delete counters whose window closed long ago (past the longest window, so no live one).
    Rows another transaction holds are skipped, not waited for: two sweeps waiting on each
    other's counters would deadlock."""
    longest = max(policy.window_seconds, policy.signup_window_seconds)
    closed = (
        select(table.c.key)
        .where(table.c.window_started_at < now - timedelta(seconds=4 * longest))
        .with_for_update(skip_locked=True)
    )
    await db.execute(delete(table).where(table.c.key.in_(closed)))


@dataclass(frozen=True, slots=True)
class LoginCounters:
    """The counters one login attempt is checked against and, when it fails, adds to."""

    account: str
    account_address: str
    address: str

    @classmethod
    def of(cls, email: str, client_address: str) -> LoginCounters:
        return cls(
            account_key(email),
            account_address_key(email, client_address),
            address_key(client_address),
        )


_TOO_MANY_LOGINS = "Too many failed logins; try again later."


async def ensure_login_allowed(
    db: Db, *, policy: ThrottlePolicy, counters: LoginCounters, now: datetime
) -> None:
    """Raise `RateLimited` when any of the attempt's counters is at its limit. The account's
    counter is locked first, until the transaction ends: concurrent logins to one account queue
    there, so parallel guesses cannot outrun its limits. The address's limit is not serialised:
    it can be exceeded by as many logins as are in flight from one address."""
    window = timedelta(seconds=policy.window_seconds)
    account = await db.one(_upsert(db, counters.account, now, now - window, add=0))
    _ensure_below(account, policy.max_per_account, now, window, _TOO_MANY_LOGINS)
    for key, limit in (
        (counters.account_address, policy.max_per_account_address),
        (counters.address, policy.max_per_address),
    ):
        state = await db.first(_state, {"key": key, "floor": now - window})
        _ensure_below(state, limit, now, window, _TOO_MANY_LOGINS)


async def record_login_failure(
    db: Db, *, policy: ThrottlePolicy, counters: LoginCounters, now: datetime
) -> None:
    floor = now - timedelta(seconds=policy.window_seconds)
    for key in (counters.account, counters.account_address, counters.address):
        await db.execute(_upsert(db, key, now, floor, add=1))
    await _sweep(db, policy, now)


async def clear_login_failures(db: Db, *, counters: LoginCounters) -> None:
    """After a successful login: its address starts afresh on the account. The account-wide
    count stays, or each of the owner's logins would hand guessers elsewhere a fresh ceiling."""
    await db.execute(delete(table).where(table.c.key == counters.account_address))


_TOO_MANY_SIGNUPS = "Too many sign-ups from this address; try again later."


def _admitted_below(db: Db, key: str, now: datetime, floor: datetime, limit: int) -> Any:
    """Count one more on the counter unless it is already at `limit` in its window: the row
    comes back when counted, none when refused."""
    expired = table.c.window_started_at <= floor
    stmt = dialect_insert(db.dialect_name, table).values(key=key, window_started_at=now, failures=1)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((expired, 1), else_=table.c.failures + 1),
            "window_started_at": case((expired, now), else_=table.c.window_started_at),
        },
        where=expired | (table.c.failures < limit),
    ).returning(table.c.failures)


async def admit_signup(
    db: Db, *, policy: ThrottlePolicy, client_address: str, now: datetime
) -> None:
    """Count a sign-up from the client's address, or raise `RateLimited` (uncounted) once the
    address has had its share. One statement counts and checks, so parallel sign-ups cannot
    outrun the limit; run on a reader's handle, it is committed at once and holds no lock while
    the sign-up goes on, and it counts the attempt whatever becomes of it."""
    window = timedelta(seconds=policy.signup_window_seconds)
    key, floor = signup_key(client_address), now - window
    limit = policy.signup_max_per_address
    if await db.first(_admitted_below(db, key, now, floor, limit)) is None:
        state = await db.first(_state, {"key": key, "floor": floor})
        _ensure_below(state, limit, now, window, _TOO_MANY_SIGNUPS)
    await _sweep(db, policy, now)
