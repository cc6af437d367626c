"""Rate limits shared by several app processes through Redis (issue 21): two real servers, one
throwaway `redis-server` (Debian's package; `make test` installs it), one API key whose requests
alternate between the servers and meet one quota."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATABASE_URL, Account, assert_problem, bearer, create_api_key
from tests.servers import free_port, serving

QUOTA = 6
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own on a free port, without persistence, stopped after."""
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed: `make test` installs Debian's package")
    port = free_port()
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.2),
            ):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_two_processes_share_one_limit(
    client: httpx.AsyncClient,
    owner: Account,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = await create_api_key(client, owner, ["people:read"])
    monkeypatch.setenv("RAPPORT_RATE_LIMIT_STORAGE", redis_url)
    monkeypatch.setenv("RAPPORT_RATE_LIMIT_API_KEY", f"{QUOTA}/minute")
    url = f"/v1/workspaces/{owner.workspace_id}/people"
    async with (
        serving(DATABASE_URL, tmp_path / "one.log") as one,
        serving(DATABASE_URL, tmp_path / "two.log") as two,
    ):
        await asyncio.gather(one.start(), two.start())
        servers = [one, two]
        answers = []
        for n in range(QUOTA + 2):
            async with httpx.AsyncClient(base_url=servers[n % 2].base_url) as c:
                answers.append(await c.get(url, headers=bearer(key["secret"])))
    assert [a.status_code for a in answers[:QUOTA]] == [200] * QUOTA
    # One count for both: each answer has one request fewer left, whichever server gave it.
    left = [a.headers["ratelimit"] for a in answers[:QUOTA]]
    assert [h.split(";")[1] for h in left] == [f"r={QUOTA - 1 - n}" for n in range(QUOTA)]
    assert answers[0].headers["ratelimit-policy"] == f'"api-key";q={QUOTA};w=60'
    for refused in answers[QUOTA:]:
        assert_problem(refused, 429, "rate_limited")
        assert int(refused.headers["retry-after"]) >= 1
