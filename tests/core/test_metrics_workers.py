"""/metrics under `uvicorn --workers 2` (as `make serve` runs it): every scrape, whichever worker
answers it, counts every worker's requests; a worker's exit or death takes its pool gauges out.

The server runs for real, in a subprocess, against a database of its own on SQLite (the suite's
PostgreSQL database otherwise), with PROMETHEUS_MULTIPROC_DIR in a temporary directory. Which
worker answered is read from the workers' files in that directory, with prometheus-client's
own reader: each worker copies its figures there once a second, so the test waits for them
(bounded by DEADLINE, which only stops a hung server) rather than for a time.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from app.core.db import Database
from tests.conftest import DATABASE_URL, ROOT, alembic, bearer
from tests.servers import free_port

TOKEN = "scrape-the-workers"
DEADLINE = 30.0  # seconds; a server this slow is broken, not busy
AT_ONCE = 10  # requests in flight together, so that both workers get some


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    directory: Path
    url: str
    log: Path

    def files(self, pattern: str) -> list[Path]:
        return sorted(self.directory.glob(pattern))

    def answered(self, path: str) -> dict[str, float]:
        """Requests to `path` per worker pid, as their files hold them."""
        counts: dict[str, float] = {}
        for file in self.files("counter_*.db"):
            pid = file.stem.split("_")[1]
            counts[pid] = sum(
                sample.value
                for metric in MultiProcessCollector.merge([str(file)])  # type: ignore[no-untyped-call]
                for sample in metric.samples
                if sample.name == "rapport_http_requests_total" and sample.labels["route"] == path
            )
        return counts

    def wait_for(self, what: str, done: Callable[[], bool]) -> None:
        give_up = time.monotonic() + DEADLINE
        while not done():
            if self.process.poll() is not None or time.monotonic() > give_up:
                pytest.fail(f"{what}: not so after {DEADLINE} s\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _database_url(tmp_path: Path) -> str:
    """A migrated database the server may share with nobody: a new SQLite file, or the suite's
    PostgreSQL database (concurrent connections are its ordinary case)."""
    if not DATABASE_URL.startswith("sqlite"):
        return DATABASE_URL
    url = f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}"
    migrated = alembic("upgrade", "head", url=url)
    assert migrated.returncode == 0, migrated.stderr
    return url


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    directory = tmp_path / "metrics"
    directory.mkdir()
    port, log = free_port(), tmp_path / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "RAPPORT_METRICS_TOKEN": TOKEN,
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "2", "--no-access-log"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True
        )
    running = Server(process, directory, f"http://127.0.0.1:{port}", log)
    try:
        # Each worker writes its pool gauges during its start-up; the shared socket listens
        # once a worker has finished its own (until then a connection is refused).
        running.wait_for("two workers", lambda: len(running.files("gauge_livesum_*.db")) == 2)
        running.wait_for("listening", lambda: _accepts(port))
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # No connection kept: each request is a new one, which either worker may accept.
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=DEADLINE) as fresh:
        yield fresh


async def _from_both_workers(
    client: httpx.AsyncClient, server: Server, path: str, headers: dict[str, str] | None = None
) -> list[httpx.Response]:
    """Requests to `path`, AT_ONCE at a time, until both workers have answered some of them
    (their files show every one of them counted, and two pids with some)."""
    responses: list[httpx.Response] = []
    for _ in range(20):
        batch = [client.get(server.url + path, headers=headers) for _ in range(AT_ONCE)]
        responses += await asyncio.gather(*batch)
        sent = len(responses)
        server.wait_for(
            f"{sent} requests to {path} in the files",
            lambda: sum(server.answered(path).values()) == sent,  # noqa: B023 - called here
        )
        if sum(1 for count in server.answered(path).values() if count > 0) == 2:
            return responses
    pytest.fail(f"one worker answered all {len(responses)} requests to {path}")


def _sample(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} not in\n{text}"
    return float(found.group(1))


READYZ = 'rapport_http_requests_total{method="GET",route="/readyz",status="200"}'
POOL_MAX = 'rapport_db_pool_connections{state="max"}'


async def test_every_scrape_counts_every_workers_requests(
    server: Server, client: httpx.AsyncClient, database: Database
) -> None:
    requests = await _from_both_workers(client, server, "/readyz")
    assert {response.status_code for response in requests} == {200}
    per_worker_max = database.pool_status()["max"]  # the server's workers are configured alike

    scrapes = await _from_both_workers(client, server, "/metrics", headers=bearer(TOKEN))
    assert {response.status_code for response in scrapes} == {200}
    # No jumping: each scrape, from either worker, shows both workers' requests, all of them.
    assert {_sample(response.text, READYZ) for response in scrapes} == {len(requests)}
    assert {_sample(response.text, POOL_MAX) for response in scrapes} == {2 * per_worker_max}
    # Each readiness check ran a statement, in one worker or the other.
    assert all(_sample(r.text, "rapport_db_statements_total") >= len(requests) for r in scrapes)

    # A worker killed outright runs no exit: uvicorn starts another, and the dead one's
    # requests stay counted while its pool gauges leave the sums.
    pids = {file.stem.split("_")[2] for file in server.files("gauge_livesum_*.db")}
    dead = min(pids)
    os.kill(int(dead), signal.SIGKILL)
    server.wait_for(
        "a new worker",
        lambda: (
            {file.stem.split("_")[2] for file in server.files("gauge_livesum_*.db")} - pids != set()
        ),
    )
    after = (await client.get(server.url + "/metrics", headers=bearer(TOKEN))).text
    assert _sample(after, READYZ) == len(requests)
    assert _sample(after, POOL_MAX) == 2 * per_worker_max
    assert not server.files(f"gauge_livesum_{dead}.db")

    # A worker that exits (uvicorn stopping) takes its pool gauges out itself.
    server.process.terminate()
    assert server.process.wait(timeout=DEADLINE) == 0
    assert server.files("gauge_*.db") == []
    assert len(server.files("counter_*.db")) == 3  # the counts outlive the workers
