"""The failed-login throttle: counters per account and per client address, kept in the database
so that every app instance sees the same ones."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, select

from app.auth.models import login_throttles as table
from app.core.db import Db, Row, dialect_insert
from app.core.errors import RateLimited


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window_seconds: int
    max_per_account: int
    max_per_address: int


def account_key(email: str) -> str:
    return "account:" + email.lower()


def address_key(client_address: str) -> str:
    """One counter per IPv4 address, and per /64 for IPv6 (one subscriber's usual allocation,
    so rotating through it does not buy fresh guesses)."""
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return "address:" + client_address
    if address.version == 6:
        return f"address:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"address:{address}"


def _upsert(db: Db, key: str, now: datetime, floor: datetime, *, add: int) -> Any:
    """Insert the counter or update it in place; a counter from a closed window restarts."""
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


async def hold_account(db: Db, key: str, now: datetime, window: timedelta) -> Row:
    """The account's counter, locked until the transaction ends: concurrent logins to one account
    queue here, so parallel guesses cannot outrun the limit."""
    return await db.one(_upsert(db, key, now, now - window, add=0))


_state = select(table.c.failures, table.c.window_started_at).where(
    table.c.key == bindparam("key"), table.c.window_started_at > bindparam("floor")
)


async def address_state(db: Db, key: str, now: datetime, window: timedelta) -> Row | None:
    return await db.first(_state, {"key": key, "floor": now - window})


def ensure_below(state: Row | None, limit: int, now: datetime, window: timedelta) -> None:
    if state is not None and state["failures"] >= limit:
        retry = state["window_started_at"] + window - now
        raise RateLimited(
            "Too many failed logins; try again later.", retry_after=int(retry.total_seconds()) + 1
        )


async def record_failure(db: Db, keys: tuple[str, str], now: datetime, window: timedelta) -> None:
    for key in keys:
        await db.execute(_upsert(db, key, now, now - window, add=1))
    # Counters from long-closed windows are of no use to anyone.
    await db.execute(delete(table).where(table.c.window_started_at < now - 4 * window))


async def clear(db: Db, key: str) -> None:
    await db.execute(delete(table).where(table.c.key == key))
