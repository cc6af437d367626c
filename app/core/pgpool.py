"""The executor's PostgreSQL connections: a small pool of asyncpg connections.

asyncpg's own `Pool` costs 30-40 µs of CPU per statement on this machine under load (a task
per release for its cancellation shield, a timer per acquire to close idle connections, a
queue, a proxy object per acquire, a reset query per release), 6-7 % of a one-person read
(issue 11). Rapport's use of a connection is narrow: only the executor (`app.core.db`) takes
one, to run statements or one transaction, and its statements cannot change a session's state
(the executor refuses SET, LISTEN and the like when it compiles them). So this pool keeps what
operators expect of asyncpg's and pays for it only where it is needed:

- an idle connection is handed out without suspending, the most recently used first; one that
  sat idle longer than `check_after`, or was idle when another connection was found dead, is
  checked first (`check`, one round trip) and replaced if it fails;
- new connections are opened up to `max_size`; beyond that callers wait, first come first
  served, for at most `acquire_timeout` (then `PoolTimeout`); a caller cancelled while waiting
  leaves nothing behind;
- when opening a connection fails, the database is taken to be down for `retry_interval`: every
  open in that time fails at once with `PoolUnavailable` (so requests answer at once instead of
  each waiting for its own connection attempt), and the next one after it tries again;
- connections older than `max_lifetime` are closed when they come back, idle ones after
  `idle_timeout` (one timer for the pool sweeps them);
- a connection comes back synchronously. The executor says whether it is `reusable`: a
  statement interrupted by anything but a PostgreSQL error (cancellation, a broken socket, a
  time-out) leaves the protocol in an unknown state. Such a connection, or one still in a
  transaction or already closed, is terminated and its place given to a waiting caller;
- a connection lent by `connection()` (tools and tests, which may change the session) is reset
  (`reset`) before it is lent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Protocol, TypeVar


class Connection(Protocol):
    """What the pool needs of a connection (asyncpg's, or a test's)."""

    def is_closed(self) -> bool: ...

    def is_in_transaction(self) -> bool: ...

    def terminate(self) -> None: ...

    async def close(self) -> None: ...


C = TypeVar("C", bound=Connection)


class PoolClosed(RuntimeError):
    """The pool was closed (the app is shutting down)."""


class PoolTimeout(RuntimeError):
    """No connection came free within the acquire timeout: every one is in use."""


class PoolUnavailable(RuntimeError):
    """The database cannot be reached: opening a connection failed (the cause is chained), or
    failed less than `retry_interval` ago."""


async def _nothing(_: object) -> None:
    return None


class ConnectionPool(Generic[C]):
    def __init__(
        self,
        connect: Callable[[], Awaitable[C]],
        *,
        max_size: int,
        check: Callable[[C], Awaitable[object]] = _nothing,
        reset: Callable[[C], Awaitable[object]] = _nothing,
        acquire_timeout: float = 5.0,
        check_after: float = 5.0,
        max_lifetime: float = 3_600.0,
        idle_timeout: float = 300.0,
        retry_interval: float = 1.0,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        for name, value in (
            ("acquire_timeout", acquire_timeout),
            ("max_lifetime", max_lifetime),
            ("idle_timeout", idle_timeout),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        self._connect = connect
        self._check = check
        self._reset = reset
        self.max_size = max_size
        self.acquire_timeout = acquire_timeout
        self.check_after = check_after
        self.max_lifetime = max_lifetime
        self.idle_timeout = idle_timeout
        self.retry_interval = retry_interval
        # Idle connections with the time each came back, the most recently used last.
        self._idle: list[tuple[C, float]] = []
        # When each open connection was opened (by id: asyncpg's connections have slots).
        self._born: dict[int, float] = {}
        # Places taken: connections open (idle or lent) or being opened.
        self._size = 0
        # A waiter's future gets a connection, or None: a place of its own to open one in.
        self._waiters: deque[asyncio.Future[C | None]] = deque()
        self._closed = False
        # Idle connections that came back before this instant are checked before they are lent.
        self._suspect_before = float("-inf")
        # Opening fails at once until this instant (the last attempt failed), with its cause.
        self._down_until = float("-inf")
        self._down_cause: BaseException | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()
        # Counted for tests and metrics; nothing depends on them.
        self.opened = 0
        self.open_failures = 0

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    @property
    def down(self) -> bool:
        """Opening a connection failed less than `retry_interval` ago."""
        return time.monotonic() < self._down_until

    def suspect_idle(self) -> None:
        """A connection was found dead: check every idle one before it is lent (after a
        restart of the server, they all are)."""
        self._suspect_before = time.monotonic()

    async def acquire(self, *, fresh: bool = False) -> C:
        """A connection: an idle one (checked if it sat long), else a new one, else the next
        to come back. `fresh`: a newly opened one (to retry on after a dead connection)."""
        if self._sweeper is None and not self._closed:
            self._arm_sweeper()
        while self._idle:
            connection, since = self._idle.pop()
            now = time.monotonic()
            if fresh or now - self._born.get(id(connection), now) >= self.max_lifetime:
                # Its place becomes ours, for a new connection.
                self._retire(connection)
                return await self._open()
            if since < self._suspect_before or now - since >= self.check_after:
                try:
                    await self._check(connection)
                except asyncio.CancelledError:
                    self._retire(connection, graceful=False)
                    self._give_up_place()
                    raise
                except Exception:  # noqa: BLE001 - any failure: a dead connection
                    self._retire(connection, graceful=False)
                    self.suspect_idle()
                    return await self._open()
            return connection
        if self._closed:
            raise PoolClosed("The connection pool is closed.")
        if self._size < self.max_size:
            self._size += 1
            return await self._open()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[C | None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(self.acquire_timeout, self._expire, waiter)
        try:
            handed = await waiter
        except asyncio.CancelledError:
            if not waiter.done() or waiter.cancelled():
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            elif waiter.exception() is None:
                # Cancelled after being handed a connection or a place: give it on.
                handed = waiter.result()
                if handed is not None:
                    self.release(handed, reusable=True)
                else:
                    self._give_up_place()
            raise
        finally:
            timer.cancel()
        if handed is None:
            return await self._open()
        if fresh:
            self._retire(handed)
            return await self._open()
        return handed

    def _expire(self, waiter: asyncio.Future[C | None]) -> None:
        if not waiter.done():
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            waiter.set_exception(
                PoolTimeout(
                    f"No database connection came free within {self.acquire_timeout:g} s "
                    f"(all {self.max_size} in use)."
                )
            )

    async def _open(self) -> C:
        """Open a connection in a place already taken; the place is given up if that fails."""
        if time.monotonic() < self._down_until:
            self._give_up_place()
            raise PoolUnavailable("The database could not be reached a moment ago.") from (
                self._down_cause
            )
        try:
            connection = await self._connect()
        except Exception as exc:
            self.open_failures += 1
            self._down_until = time.monotonic() + self.retry_interval
            self._down_cause = exc
            self._give_up_place()
            raise PoolUnavailable("The database cannot be reached.") from exc
        except BaseException:
            self._give_up_place()
            raise
        self.opened += 1
        self._down_until = float("-inf")
        self._down_cause = None
        self._born[id(connection)] = time.monotonic()
        return connection

    def release(self, connection: C, *, reusable: bool) -> None:
        """Take a connection back: reused if `reusable`, as it left and young enough, else
        closed (terminated if it may be mid-protocol)."""
        if self._closed or not reusable or connection.is_closed() or connection.is_in_transaction():
            self._retire(connection, graceful=False)
            self._give_up_place()
            return
        now = time.monotonic()
        if now - self._born.get(id(connection), now) >= self.max_lifetime:
            self._retire(connection)
            self._give_up_place()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append((connection, now))

    def _retire(self, connection: C, *, graceful: bool = True) -> None:
        """Close a connection that leaves the pool (its place is the caller's to keep or give
        up): politely when it is known to be between statements, else by terminating it."""
        self._born.pop(id(connection), None)
        if connection.is_closed():
            return
        if not graceful:
            connection.terminate()
            return
        task = asyncio.ensure_future(self._close_one(connection))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close_one(connection: C) -> None:
        try:
            await asyncio.wait_for(connection.close(), 5)
        except BaseException:  # noqa: BLE001 - closing anyway
            connection.terminate()

    def _give_up_place(self) -> None:
        """A place is free: the first waiter takes it (and opens a connection), or it goes."""
        while self._waiters and not self._closed:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._size -= 1

    def _arm_sweeper(self) -> None:
        every = min(30.0, max(0.05, min(self.idle_timeout, self.max_lifetime) / 4))
        self._sweeper = asyncio.get_running_loop().call_later(every, self._sweep)

    def _sweep(self) -> None:
        """Close idle connections past their idle timeout or lifetime, then re-arm."""
        self._sweeper = None
        if self._closed:
            return
        now = time.monotonic()
        kept: list[tuple[C, float]] = []
        for connection, since in self._idle:
            born = self._born.get(id(connection), now)
            if now - since >= self.idle_timeout or now - born >= self.max_lifetime:
                self._retire(connection)
                self._size -= 1
            else:
                kept.append((connection, since))
        self._idle = kept
        self._arm_sweeper()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[C]:
        """A connection for a block (tools and tests): reset before it goes back, since the
        block may have changed the session (the executor's statements cannot)."""
        connection = await self.acquire()
        reusable = False
        try:
            yield connection
            await self._reset(connection)
            reusable = True
        finally:
            self.release(connection, reusable=reusable)

    async def close(self) -> None:
        """Close the idle connections; lent ones are terminated as they come back, and
        waiting callers get `PoolClosed`."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed("The connection pool is closed."))
        idle, self._idle = self._idle, []
        self._size -= len(idle)
        for connection, _ in idle:
            self._born.pop(id(connection), None)
            try:
                await connection.close()
            except Exception:  # noqa: BLE001 - closing anyway
                connection.terminate()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
