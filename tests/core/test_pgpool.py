"""The executor's connection pool (app/core/pgpool.py), with stand-in connections: reuse, the
size bound, waiting in turn and its time-out, connections that must not be reused, checks after
an idle spell, lifetimes, the idle sweep, a database that cannot be reached, cancellation and
closing. (The whole suite runs on it against PostgreSQL; tests/core/test_db.py covers
interrupted statements there, tests/faults/ a real server terminated, restarted and stopped.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.core.pgpool import ConnectionPool, PoolClosed, PoolTimeout, PoolUnavailable


class Conn:
    def __init__(self, number: int) -> None:
        self.number = number
        self.closed = False
        self.terminated = False
        self.in_transaction = False

    def is_closed(self) -> bool:
        return self.closed or self.terminated

    def is_in_transaction(self) -> bool:
        return self.in_transaction

    def terminate(self) -> None:
        self.terminated = True

    async def close(self) -> None:
        self.closed = True


class Opener:
    def __init__(self) -> None:
        self.opened: list[Conn] = []
        self.failures = 0  # how many of the next opens fail
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> Conn:
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise OSError("connection refused")
        conn = Conn(len(self.opened))
        self.opened.append(conn)
        return conn


def pool(max_size: int = 2, **options: Any) -> tuple[ConnectionPool[Conn], Opener]:
    opener = Opener()
    # No pause after a failed open unless a test asks for one.
    options.setdefault("retry_interval", 0)
    return ConnectionPool(opener, max_size=max_size, **options), opener


async def test_an_idle_connection_is_reused_latest_first() -> None:
    p, opener = pool(3)
    a, b = await p.acquire(), await p.acquire()
    p.release(a, reusable=True)
    p.release(b, reusable=True)
    assert await p.acquire() is b
    assert await p.acquire() is a
    assert len(opener.opened) == 2
    assert (p.size, p.idle) == (2, 0)


async def test_callers_beyond_the_bound_wait_in_turn() -> None:
    p, opener = pool(1)
    held = await p.acquire()
    first = asyncio.ensure_future(p.acquire())
    second = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    assert not first.done()
    assert not second.done()
    p.release(held, reusable=True)
    assert await first is held
    assert not second.done()
    p.release(held, reusable=True)
    assert await second is held
    assert len(opener.opened) == 1
    assert p.size == 1


@pytest.mark.parametrize("state", ["unreusable", "in_transaction", "closed"])
async def test_a_connection_not_as_it_left_is_terminated_and_replaced(state: str) -> None:
    p, opener = pool(1)
    held = await p.acquire()
    waiting = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    held.in_transaction = state == "in_transaction"
    held.closed = state == "closed"
    p.release(held, reusable=state != "unreusable")
    replacement = await waiting
    assert replacement is not held
    assert held.is_closed()
    assert held.terminated == (state != "closed")
    assert len(opener.opened) == 2
    assert p.size == 1
    p.release(replacement, reusable=False)
    assert (p.size, p.idle) == (0, 0)


async def test_a_failed_open_gives_its_place_up() -> None:
    p, opener = pool(1)
    opener.failures = 1
    with pytest.raises(PoolUnavailable) as caught:
        await p.acquire()
    assert isinstance(caught.value.__cause__, OSError)
    assert p.size == 0
    conn = await p.acquire()
    assert p.size == 1
    # A waiter handed the place of a dropped connection, whose open fails, passes it on.
    third = asyncio.ensure_future(p.acquire())
    fourth = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    opener.failures = 1
    p.release(conn, reusable=False)
    with pytest.raises(PoolUnavailable):
        await third
    assert await fourth is opener.opened[-1]
    assert p.size == 1


async def test_a_cancelled_waiter_leaves_nothing_behind() -> None:
    p, _ = pool(1)
    held = await p.acquire()
    cancelled = asyncio.ensure_future(p.acquire())
    waiting = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    p.release(held, reusable=True)
    assert await waiting is held
    assert cancelled.cancelled()

    # Cancelled after it was handed the connection, before it ran: the connection goes on.
    late = asyncio.ensure_future(p.acquire())
    after = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    p.release(held, reusable=True)
    late.cancel()
    assert await after is held
    assert late.cancelled()
    assert p.size == 1


async def test_a_waiter_cancelled_while_holding_a_place_gives_it_up() -> None:
    p, opener = pool(1)
    held = await p.acquire()
    late = asyncio.ensure_future(p.acquire())
    after = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    p.release(held, reusable=False)  # `late` is handed the place...
    late.cancel()  # ... and cancelled before it opens a connection
    conn = await after
    assert conn is opener.opened[-1]
    assert late.cancelled()
    assert p.size == 1


async def test_an_open_cancelled_midway_gives_its_place_up() -> None:
    p, opener = pool(1)
    opener.gate = asyncio.Event()
    opening = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    assert p.size == 1
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    assert p.size == 0


async def test_closing() -> None:
    p, _ = pool(2)
    idle, lent = await p.acquire(), await p.acquire()
    p.release(idle, reusable=True)
    waiting = asyncio.ensure_future(p.acquire())
    waiting_too = asyncio.ensure_future(p.acquire())
    await asyncio.sleep(0)
    assert await waiting is idle
    await p.close()
    with pytest.raises(PoolClosed):
        await waiting_too
    p.release(idle, reusable=True)
    p.release(lent, reusable=True)
    assert idle.terminated
    assert lent.terminated
    assert (p.size, p.idle) == (0, 0)
    with pytest.raises(PoolClosed):
        await p.acquire()


async def test_the_connection_block_returns_its_connection() -> None:
    p, _ = pool(1)
    async with p.connection() as conn:
        assert p.idle == 0
    assert p.idle == 1
    with pytest.raises(RuntimeError, match="boom"):
        async with p.connection() as again:
            assert again is conn
            raise RuntimeError("boom")
    assert conn.terminated
    assert (p.size, p.idle) == (0, 0)


def test_the_bound_is_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ConnectionPool(Opener(), max_size=0)


async def test_after_a_failed_open_the_pool_answers_at_once_until_the_retry_interval() -> None:
    p, opener = pool(3, retry_interval=0.2)
    opener.failures = 1
    with pytest.raises(PoolUnavailable):
        await p.acquire()
    assert p.down
    # While down, no attempt is made: three callers are refused without an open each.
    for _ in range(3):
        with pytest.raises(PoolUnavailable, match="a moment ago"):
            await p.acquire()
    assert (opener.opened, p.open_failures, p.size) == ([], 1, 0)
    await asyncio.sleep(0.25)
    assert not p.down
    assert await p.acquire() is opener.opened[0]


async def test_a_caller_waits_at_most_the_acquire_timeout() -> None:
    p, _ = pool(1, acquire_timeout=0.05)
    held = await p.acquire()
    with pytest.raises(PoolTimeout, match=r"within 0\.05 s"):
        await p.acquire()
    # The expired waiter left nothing behind: the connection goes idle, not to it.
    p.release(held, reusable=True)
    assert (p.size, p.idle) == (1, 1)
    assert await p.acquire() is held


async def test_a_connection_idle_past_check_after_is_checked_and_replaced_if_dead() -> None:
    checked: list[Conn] = []
    dead: set[int] = set()

    async def check(conn: Conn) -> None:
        checked.append(conn)
        if conn.number in dead:
            raise OSError("server closed the connection")

    p, opener = pool(2, check=check, check_after=0.05)
    a = await p.acquire()
    p.release(a, reusable=True)
    # Lent again at once: not checked.
    assert await p.acquire() is a
    assert checked == []
    p.release(a, reusable=True)
    await asyncio.sleep(0.06)
    dead.add(a.number)
    replacement = await p.acquire()
    assert checked == [a]
    assert a.terminated
    assert replacement is opener.opened[1]
    assert p.size == 1


async def test_after_a_dead_connection_every_idle_one_is_checked_before_it_is_lent() -> None:
    checked: list[Conn] = []

    async def check(conn: Conn) -> None:
        checked.append(conn)

    p, _ = pool(2, check=check, check_after=3_600)
    a, b = await p.acquire(), await p.acquire()
    p.release(a, reusable=True)
    p.release(b, reusable=True)
    p.suspect_idle()
    assert await p.acquire() is b
    p.release(b, reusable=True)  # came back after the suspicion: not checked again
    assert await p.acquire() is b
    assert await p.acquire() is a
    assert checked == [b, a]


async def test_a_fresh_connection_is_newly_opened() -> None:
    p, opener = pool(1)
    a = await p.acquire()
    p.release(a, reusable=True)
    fresh = await p.acquire(fresh=True)
    assert fresh is opener.opened[1]
    await asyncio.sleep(0.01)  # the old one is closed politely, in the background
    assert a.closed
    assert p.size == 1


async def test_connections_past_their_lifetime_are_closed_when_they_come_back() -> None:
    p, opener = pool(1, max_lifetime=0.05)
    a = await p.acquire()
    p.release(a, reusable=True)
    assert await p.acquire() is a
    await asyncio.sleep(0.06)
    p.release(a, reusable=True)
    await asyncio.sleep(0.01)
    assert a.closed
    assert (p.size, p.idle) == (0, 0)
    assert await p.acquire() is opener.opened[1]


async def test_idle_connections_are_closed_after_the_idle_timeout() -> None:
    p, opener = pool(2, idle_timeout=0.05)
    a, b = await p.acquire(), await p.acquire()
    p.release(a, reusable=True)
    p.release(b, reusable=True)
    await asyncio.sleep(0.2)
    assert a.closed
    assert b.closed
    assert (p.size, p.idle) == (0, 0)
    assert await p.acquire() is opener.opened[2]
    await p.close()


async def test_the_connection_block_resets_its_connection() -> None:
    reset: list[Conn] = []

    async def record(conn: Conn) -> None:
        reset.append(conn)

    p, _ = pool(1, reset=record)
    async with p.connection() as conn:
        pass
    assert reset == [conn]
    # The executor's own acquire and release reset nothing.
    p.release(await p.acquire(), reusable=True)
    assert reset == [conn]


@pytest.mark.parametrize("option", ["acquire_timeout", "max_lifetime", "idle_timeout"])
def test_time_limits_are_positive(option: str) -> None:
    with pytest.raises(ValueError, match=f"{option} must be positive"):
        ConnectionPool(Opener(), max_size=1, **{option: 0})
