"""`make bench-instructions`: the instructions Rapport's process executes per request, per
scenario, counted by valgrind's callgrind.

Throughput under wrk moves by 10-15 % from one run to the next on a shared two-core machine
(the ceiling alone ran at 3,700-5,400 req/s within one session), too much to tell a 3 % change
to the request path from noise. An instruction count repeats to within about 0.5 %, so a
change is compared with the code before it by running this on both checkouts. The ASGI app is
driven in process (no uvicorn, no client sockets) against the benchmark's seeded PostgreSQL
workspace, with callgrind's instrumentation on only while the measured requests run.
Instructions are not time (cache misses and the kernel's work are not counted): `make bench`
stays the measure of record.

    scripts/with-postgres .venv/bin/python -m bench.instructions [scenario ...]

`BENCH_REQUESTS` (default 200) requests per scenario, four at a time, after 100 unmeasured.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

from starlette.types import Message

from bench.run import ROOT, environment, seeded

CONCURRENCY = 4
WARMUP = 100

_counter = itertools.count()


def _create_body() -> bytes:
    return b'{"given_name":"Bench","family_name":"Person%d"}' % next(_counter)


# name: (method, path under the workspace, query string, body)
SCENARIOS: dict[str, tuple[str, str, str, Callable[[], bytes] | None]] = {
    "list people": ("GET", "/people", "limit=20", None),
    "get one person": ("GET", "/people/{person_id}", "", None),
    "create a person": ("POST", "/people", "", _create_body),
    "list interviews, expand": (
        "GET",
        "/interviews",
        "limit=20&expand=person,organisation",
        None,
    ),
}


async def _child(scenario: str, requests: int, fixture: dict[str, str]) -> None:
    """Runs under callgrind: warm up, then switch instrumentation on around the requests."""
    from app.main import app

    method, template, query, body = SCENARIOS[scenario]
    path = f"/v1/workspaces/{fixture['workspace_id']}" + template.format(**fixture)
    authorization = b"Bearer " + fixture["api_key"].encode()

    async def one() -> None:
        content = body() if body else b""
        headers = [(b"host", b"127.0.0.1"), (b"authorization", authorization)]
        if body:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
            ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": content, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError

        statuses: list[int] = []

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)
        if statuses[0] >= 300:
            raise RuntimeError(f"{scenario}: status {statuses[0]}")

    async def run(total: int) -> None:
        async def worker(count: int) -> None:
            for _ in range(count):
                await one()

        await asyncio.gather(*(worker(total // CONCURRENCY) for _ in range(CONCURRENCY)))

    def instrumentation(state: str) -> None:
        subprocess.run(
            ["callgrind_control", "--instr=" + state, str(os.getpid())],
            check=True,
            capture_output=True,
        )

    async with app.router.lifespan_context(app):
        await run(WARMUP)
        instrumentation("on")
        await run(requests)
        instrumentation("off")


def _count(scenario: str, requests: int, fixture: dict[str, str], env: dict[str, str]) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=" + os.devnull,
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        scenario,
        str(requests),
        json.dumps(fixture),
    ]
    # PYTHONMALLOC=malloc: valgrind follows the system allocator, not pymalloc's arenas.
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**env, "PYTHONMALLOC": "malloc"},
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{scenario}: callgrind failed\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(names: list[str]) -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed: install the valgrind package")
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}; choose from {list(SCENARIOS)}")
    url = os.environ["DATABASE_URL"]
    # The child imports this checkout's app, whatever is installed in the environment.
    env = {**environment(url), "PYTHONPATH": str(ROOT)}
    fixture = seeded(url, env)
    requests = int(os.environ.get("BENCH_REQUESTS", "200"))
    revision = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"instructions per request, {requests} requests a scenario ({revision or 'no git'})")
    for name in names or list(SCENARIOS):
        count = _count(name, requests, fixture, env)
        print(f"{name:<26} {count / requests:>12,.0f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        import uvloop

        # The request log lines (their writing is measured; their reading is not).
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115

        uvloop.run(_child(sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])))
    else:
        main(sys.argv[1:])
