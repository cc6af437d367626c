"""A PostgreSQL cluster of the fault tests' own, which they stop, restart and terminate
connections of, and the app on it. Collected only in the PostgreSQL part of `make test` (the
faults are PostgreSQL's: on SQLite the app process is the database, tests/crash/ kills it)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import alembic, client_for, create_api_key, signup
from tests.servers import free_port

if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
    collect_ignore_glob = ["test_*.py"]

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def as_postgres(*command: str | Path) -> list[str]:
    """PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user."""
    args = [str(c) for c in command]
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args


@dataclass
class Cluster:
    """A throwaway PostgreSQL 15 server, like scripts/with-postgres's, that a test may stop."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/rapport"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/rapport"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            as_postgres(PG_BIN / "pg_ctl", "-D", self.root / "data", *args),
            check=True,
            capture_output=True,
        )

    def init(self) -> None:
        if os.getuid() == 0:
            shutil.chown(self.root, "postgres")
        subprocess.run(
            as_postgres(
                PG_BIN / "initdb",
                "-D",
                self.root / "data",
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        subprocess.run(
            as_postgres(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "rapport"),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._ctl("-l", str(self.root / "server.log"), "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def terminate_others(self) -> int:
        """pg_terminate_backend of every connection to the database but the admin's own."""
        conn = await self.admin()
        try:
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = 'rapport' AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()
        return int(killed)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="rapport-faults-"))
    cluster = Cluster(root)
    try:
        cluster.init()
        migrated = alembic("upgrade", "head", url=cluster.url)
        assert migrated.returncode == 0, migrated.stderr
        yield cluster
    finally:
        subprocess.run(
            as_postgres(PG_BIN / "pg_ctl", "-D", root / "data", "-m", "immediate", "stop"),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def running(cluster: Cluster) -> Cluster:
    """The cluster, started again if a test left it stopped."""
    status = subprocess.run(
        as_postgres(PG_BIN / "pg_ctl", "-D", cluster.root / "data", "status"),
        capture_output=True,
        check=False,
    )
    if status.returncode != 0:
        cluster.start()
    return cluster


@dataclass
class Site:
    """The app on the fault cluster, a client, and an API key of a workspace of its own."""

    app: Any
    client: httpx.AsyncClient
    workspace_id: str
    headers: dict[str, str]

    @property
    def pool(self) -> Any:
        return self.app.state.database.pool

    def people(self) -> str:
        return f"/v1/workspaces/{self.workspace_id}/people"


@asynccontextmanager
async def site(cluster: Cluster, **settings: Any) -> AsyncIterator[Site]:
    """The app on `cluster` with these settings (a short retry interval unless given)."""
    settings.setdefault("db_retry_interval_ms", 200)
    settings.setdefault("database_url", cluster.url)
    app = create_app(Settings(**settings))
    async with app.router.lifespan_context(app), client_for(app) as client:
        owner = await signup(client, name="Faults")
        key = await create_api_key(client, owner, ["people:read", "people:write"])
        yield Site(app, client, owner.workspace_id, {"Authorization": f"Bearer {key['secret']}"})


Request = Callable[[Site, int], Awaitable[httpx.Response]]


@dataclass
class Tally:
    """Status codes seen under load, per kind of request, and the problems' codes."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)

    def count(self, status: int) -> int:
        return sum(n for (_, s), n in self.statuses.items() if s == status)


async def load(
    target: Site,
    requests: dict[str, Request],
    stop: asyncio.Event,
    *,
    workers: int = 8,
) -> Tally:
    """`workers` clients sending the requests in turn until `stop`. A 503 must be a database
    problem with `Retry-After`, which the client honours (a well-behaved client: the bound on
    503s in the tests assumes it)."""
    tally = Tally()
    kinds = list(requests.items())

    async def worker(number: int) -> None:
        turn = number
        while not stop.is_set():
            kind, send = kinds[turn % len(kinds)]
            turn += 1
            response = await send(target, turn)
            tally.statuses[kind, response.status_code] += 1
            if response.status_code == 503:
                body = response.json()
                tally.codes[body["code"]] += 1
                if body["code"] not in ("database_unavailable", "database_busy"):
                    tally.unexpected.append(response.text)
                await asyncio.sleep(float(response.headers["retry-after"]))
            elif response.status_code >= 300:
                tally.unexpected.append(f"{kind}: {response.status_code} {response.text}")

    await asyncio.gather(*(worker(n) for n in range(workers)))
    return tally
