"""The executor's PostgreSQL connections: a small pool of asyncpg connections.

asyncpg's own `Pool` costs 30-40 µs of CPU per statement on this machine under load (a task
per release for its cancellation shield, a timer per acquire to close idle connections, a
queue, a proxy object per acquire, its reset hooks), 6-7 % of a one-person read (issue 11).
Rapport's use of a connection is narrow: only the executor (`app.core.db`) takes one, to run
statements or one transaction, and nothing ever changes a session's state (no SET, LISTEN,
advisory lock or cursor). So this pool only has to know whether a connection came back as it
left:

- an idle connection is handed out without suspending, the most recently used first;
- new connections are opened up to `max_size`; beyond that callers wait, first come first
  served, and a caller cancelled while waiting leaves nothing behind;
- a connection comes back synchronously. The executor says whether it is `reusable`: a
  statement interrupted by anything but a PostgreSQL error (cancellation, a broken socket, a
  time-out) leaves the protocol in an unknown state. Such a connection, or one still in a
  transaction or already closed, is terminated and its place given to a waiting caller.
"""

from __future__ import annotations

import asyncio
import contextlib
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


class ConnectionPool(Generic[C]):
    def __init__(self, connect: Callable[[], Awaitable[C]], *, max_size: int) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._connect = connect
        self.max_size = max_size
        self._idle: list[C] = []
        # Places taken: connections open (idle or lent) or being opened.
        self._size = 0
        # A waiter's future gets a connection, or None: a place of its own to open one in.
        self._waiters: deque[asyncio.Future[C | None]] = deque()
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def acquire(self) -> C:
        if self._idle:
            return self._idle.pop()
        if self._closed:
            raise PoolClosed("The connection pool is closed.")
        if self._size < self.max_size:
            self._size += 1
            return await self._open()
        waiter: asyncio.Future[C | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
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
        if handed is None:
            return await self._open()
        return handed

    async def _open(self) -> C:
        """Open a connection in a place already taken; the place is given up if that fails."""
        try:
            return await self._connect()
        except BaseException:
            self._give_up_place()
            raise

    def release(self, connection: C, *, reusable: bool) -> None:
        """Take a connection back: reused if `reusable` and as it left, else terminated."""
        if self._closed or not reusable or connection.is_closed() or connection.is_in_transaction():
            if not connection.is_closed():
                connection.terminate()
            self._give_up_place()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def _give_up_place(self) -> None:
        """A place is free: the first waiter takes it (and opens a connection), or it goes."""
        while self._waiters and not self._closed:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._size -= 1

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[C]:
        """A connection for a block (tools and tests; the executor acquires and releases)."""
        connection = await self.acquire()
        reusable = False
        try:
            yield connection
            reusable = True
        finally:
            self.release(connection, reusable=reusable)

    async def close(self) -> None:
        """Close the idle connections; lent ones are terminated as they come back, and
        waiting callers get `PoolClosed`."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed("The connection pool is closed."))
        idle, self._idle = self._idle, []
        self._size -= len(idle)
        for connection in idle:
            try:
                await connection.close()
            except Exception:  # noqa: BLE001 - closing anyway
                connection.terminate()
