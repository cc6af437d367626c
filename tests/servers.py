"""The real server as a subprocess, for tests that need a process of their own (to kill it, say):
started on a free port in its own process group, waited for until `/readyz` answers, killed
with its whole group, its output kept in a log for the failure message."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tests.conftest import ROOT

READY_WITHIN_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`uvicorn app.main:app` on `database_url`, in the environment tests/conftest.py fixed for
    the suite (test settings, cheap Argon2); `app` may name a wrapper of Rapport's app instead.
    Each `start` takes a new free port: one picked once could be taken while the server is
    down."""

    def __init__(self, database_url: str, log_path: Path, *, app: str = "app.main:app") -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.app = app
        self.port = 0
        self.starts = 0
        self._process: asyncio.subprocess.Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the server and return once it is ready, or fail with its log."""
        if self._process is not None:
            raise RuntimeError("The server is already running.")
        self.port = free_port()
        self.starts += 1
        command = [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--no-access-log"]
        with self.log_path.open("a") as log:
            log.write(f"--- start {self.starts}: {' '.join(command)}\n")
            log.flush()
            # A session of its own, so that a kill reaches the whole group: uvicorn and
            # anything it started.
            self._process = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": self.database_url},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        await self._wait_until_ready()

    async def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._process is None or self._process.returncode is not None:
                    raise AssertionError(f"The server exited while starting:\n{self.log()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        await self.kill()
        raise AssertionError(f"The server was not ready in {READY_WITHIN_SECONDS} s:\n{self.log()}")

    async def kill(self) -> None:
        """SIGKILL the server's process group, as a crash would end it, and reap it."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()

    def log(self, last_chars: int = 20_000) -> str:
        """What the server wrote, its latest part."""
        try:
            return self.log_path.read_text(errors="replace")[-last_chars:]
        except FileNotFoundError:
            return "(no log)"


@contextlib.asynccontextmanager
async def serving(
    database_url: str, log_path: Path, *, app: str = "app.main:app"
) -> AsyncIterator[Server]:
    """A `Server` (not started yet: the block starts and kills it as often as it needs), killed
    when the block ends however it ends; its log goes to stderr when the block fails, where
    pytest shows it."""
    server = Server(database_url, log_path, app=app)
    try:
        yield server
    except BaseException:
        print(f"server log ({log_path}):\n{server.log()}", file=sys.stderr)
        raise
    finally:
        await server.kill()
