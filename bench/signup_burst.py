"""`make bench-signup-burst`: reads (GET one person) alone and during a burst of sign-ups."""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.run import (
    CONNECTIONS,
    DURATION,
    THREADS,
    WARMUP,
    Measure,
    environment,
    free_port,
    lua,
    measure,
    seeded,
    serve,
    versions,
    wrk_report,
)

# Argon2id at production cost (t=3, 64 MiB) is the most CPU any request asks for. For each
# database the server is started once per hashing concurrency (RAPPORT_PASSWORD_HASH_CONCURRENCY,
# CONCURRENCIES). wrk measures reads alone, then reads while a second wrk posts sign-ups from
# BURST_CONNECTIONS connections.
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "signup_burst.md"
BURST_CONNECTIONS = int(os.environ.get("BURST_CONNECTIONS", "16"))
# 1 (a core left to the event loop), the default (2), and as wide as anyio's thread pool that ran
# every hash before issue 18 (40).
CONCURRENCIES = (1, 2, 40)


@dataclass
class Row:
    concurrency: int
    reads: Measure
    reads_in_burst: Measure
    signups: Measure


def signup_script() -> Path:
    """Each wrk thread posts sign-ups with emails of its own, unique to this run."""
    run = secrets.token_hex(4)
    return lua(
        "local n = 0\nlocal threads = 0\n"
        "function setup(thread)\n  thread:set('tid', threads)\n  threads = threads + 1\nend\n"
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n  n = n + 1\n"
        f"  local email = 'burst-{run}-' .. tid .. '-' .. n .. '@example.com'\n"
        "  return wrk.format(nil, '/v1/auth/signup', nil,"
        ' \'{"email":"\' .. email .. \'","password":"bench-password-123","name":"Burst"}\')\n'
        "end\n"
    )


def burst(url: str, seconds: int, into: list[Measure]) -> None:
    command = [
        "wrk",
        "-t1",
        f"-c{BURST_CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "30s",
        "-s",
        str(signup_script()),
        url,
    ]
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    into.append(wrk_report(out))


def run_database(name: str, url: str) -> list[Row]:
    base_env = {
        **environment(url),
        # Every sign-up comes from 127.0.0.1: the per-address limit would refuse all but ten.
        "RAPPORT_SIGNUP_MAX_PER_ADDRESS": "1000000",
        "RAPPORT_ARGON2_TIME_COST": "3",
        "RAPPORT_ARGON2_MEMORY_KIB": "65536",
    }
    fixture = seeded(url, base_env)
    auth = {"Authorization": f"Bearer {fixture['api_key']}"}
    rows = []
    for concurrency in CONCURRENCIES:
        env = {**base_env, "RAPPORT_PASSWORD_HASH_CONCURRENCY": str(concurrency)}
        port = free_port()
        server = serve("app.main:app", port, env)
        try:
            base = f"http://127.0.0.1:{port}"
            read_url = (
                f"{base}/v1/workspaces/{fixture['workspace_id']}/people/{fixture['person_id']}"
            )
            reads = measure(server, read_url, auth, None)
            signups: list[Measure] = []
            burster = threading.Thread(
                target=burst, args=(f"{base}/v1/auth/signup", WARMUP + DURATION + 3, signups)
            )
            burster.start()
            time.sleep(1)  # the burst is under way before reads are measured
            reads_in_burst = measure(server, read_url, auth, None)
            burster.join()
            rows.append(Row(concurrency, reads, reads_in_burst, signups[0]))
            print(
                f"{name}, concurrency {concurrency}: reads {reads.rps:.0f} req/s alone, "
                f"{reads_in_burst.rps:.0f} in the burst (p99 {reads.p99_ms:.1f} -> "
                f"{reads_in_burst.p99_ms:.1f} ms); sign-ups {signups[0].rps:.1f}/s",
                flush=True,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    return rows


def report(results: dict[str, list[Row]]) -> str:
    lines = [
        "# Benchmark: reads during a burst of sign-ups",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores; one "
        "uvicorn worker (uvloop, httptools); Argon2id t=3, 64 MiB. Reads: wrk "
        f"-t{THREADS} -c{CONNECTIONS} -d{DURATION}s GET one person (an API key), after a "
        f"{WARMUP} s warm-up. Burst: wrk -t1 -c{BURST_CONNECTIONS} posting sign-ups throughout.",
        versions() + ".",
        "",
    ]
    for name, rows in results.items():
        lines += [
            f"## {name}",
            "",
            "| hash concurrency | reads req/s alone | p99 ms alone | reads req/s in burst "
            "| p99 ms in burst | sign-ups/s | sign-up p99 ms | sign-up non-2xx | read timeouts |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows:
            lines.append(
                f"| {row.concurrency} | {row.reads.rps:.0f} | {row.reads.p99_ms:.1f} | "
                f"{row.reads_in_burst.rps:.0f} | {row.reads_in_burst.p99_ms:.1f} | "
                f"{row.signups.rps:.1f} | {row.signups.p99_ms:.0f} | {row.signups.errors} | "
                f"{row.reads_in_burst.timeouts} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    results: dict[str, list[Row]] = {}
    if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        results["PostgreSQL"] = run_database("PostgreSQL", os.environ["DATABASE_URL"])
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run_database("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db")
    RESULTS.write_text(report(results))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
