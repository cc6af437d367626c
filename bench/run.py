"""`make bench`: Rapport against a ceiling app, on SQLite and PostgreSQL, with wrk on loopback.

Each scenario runs the ceiling, Rapport and the ceiling again (same uvicorn flags, one worker),
so every figure is a ratio to the ceiling measured around it in the same run. Writes
bench/results/latest.md.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.md"
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = 2
THREADS, CONNECTIONS = 2, 32


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    timeouts: int
    rss_mib: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, seconds: int, headers: dict[str, str], script: Path | None) -> Measure:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    return wrk_report(out)


def wrk_report(out: str) -> Measure:
    """The figures of wrk's `--latency` report (RSS left at 0: the caller measures it)."""
    if "Latency Distribution" not in out:
        raise RuntimeError(f"wrk gave no latency distribution:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"(?m)^\s+50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"(?m)^\s+99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    timeouts = re.search(r"timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Measure(
        rps,
        p50,
        p99,
        int(non2xx.group(1)) if non2xx else 0,
        int(timeouts.group(1)) if timeouts else 0,
        0.0,
    )


def measure(
    process: subprocess.Popen[bytes], url: str, headers: dict[str, str], script: Path | None
) -> Measure:
    wrk(url, WARMUP, headers, script)
    result = wrk(url, DURATION, headers, script)
    result.rss_mib = rss_mib(process.pid)
    return result


def lua(body: str) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(body)
    return Path(handle.name)


def scenarios(fixture: dict[str, str], base: str, etag: str) -> list[tuple[str, str, Path | None]]:
    ws = f"{base}/v1/workspaces/{fixture['workspace_id']}"
    create = lua(
        'wrk.headers["Content-Type"] = "application/json"\n'
        "counter = 0\nrequest = function()\n  counter = counter + 1\n"
        '  return wrk.format("POST", nil, nil,'
        ' \'{"given_name":"Bench","family_name":"Person\' .. counter .. \'"}\')\nend\n'
    )
    conditional = lua(f'wrk.headers["If-None-Match"] = {json.dumps(etag)}\n')
    return [
        ("list people (limit=20)", f"{ws}/people?limit=20", None),
        ("get one person", f"{ws}/people/{fixture['person_id']}", None),
        ("get one person, If-None-Match (304)", f"{ws}/people/{fixture['person_id']}", conditional),
        (
            "list interviews, expand=person,organisation",
            f"{ws}/interviews?limit=20&expand=person,organisation",
            None,
        ),
        ("stats (funnel, rates, weekly series)", f"{ws}/stats", None),
        # Last: the creates add about ten thousand people, and every read above measures the
        # seeded workspace the results describe.
        ("create a person", f"{ws}/people", create),
    ]


# Issue 11's targets on PostgreSQL: ratio to the ceiling (get: with If-None-Match and without).
TARGETS = {
    "list people (limit=20)": 0.25,
    "get one person": 0.40,
    "get one person, If-None-Match (304)": 0.40,
    "create a person": 0.30,
    "list interviews, expand=person,organisation": 0.20,
}


def environment(url: str) -> dict[str, str]:
    """The environment Rapport runs in for the benchmarks."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "RAPPORT_ENV": "production",
        # Production refuses a guessable key (repeated characters, say).
        "RAPPORT_SECRET_KEY": secrets.token_hex(32),
        "RAPPORT_LOG_LEVEL": "INFO",
        # Rate limits on (each request counted, its RateLimit fields sent), at quotas a run
        # of tens of thousands of requests from one key never reaches.
        "RAPPORT_RATE_LIMIT_API_KEY": "1000000000/minute",
        "RAPPORT_RATE_LIMIT_ADDRESS": "1000000000/minute",
    }


def seeded(url: str, env: dict[str, str]) -> dict[str, str]:
    """Migrate the database and seed the benchmark's workspace (`bench.fixture`): its ids and
    API key."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    fixture: dict[str, str] = json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.fixture", url],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    return fixture


def run_database(name: str, url: str) -> list[tuple[str, Measure, Measure]]:
    env = environment(url)
    fixture = seeded(url, env)
    auth = {"Authorization": f"Bearer {fixture['api_key']}"}
    ceiling_port, rapport_port = free_port(), free_port()
    ceiling = serve("bench.ceiling:app", ceiling_port, env)
    rapport = serve("app.main:app", rapport_port, env)
    try:
        base = f"http://127.0.0.1:{rapport_port}"
        etag = subprocess.run(
            [
                "curl",
                "-s",
                "-D",
                "-",
                "-o",
                "/dev/null",
                "-H",
                f"Authorization: {auth['Authorization']}",
                f"{base}/v1/workspaces/{fixture['workspace_id']}/people/{fixture['person_id']}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        etag_value = re.search(r"(?i)etag: (\S+)", etag).group(1)  # type: ignore[union-attr]
        rows = []
        # The ceiling right before and right after each scenario, averaged: the machine's
        # speed drifts (one ceiling run to the next moved by up to a fifth), and a ratio to a
        # single neighbouring run carried that drift into every figure. A scenario's "after"
        # is the next one's "before".
        ceiling_url = f"http://127.0.0.1:{ceiling_port}/items"
        after = measure(ceiling, ceiling_url, {}, None)
        for label, url_, script in scenarios(fixture, base, etag_value):
            before = after
            rapport_result = measure(rapport, url_, auth, script)
            after = measure(ceiling, ceiling_url, {}, None)
            ceiling_result = Measure(
                (before.rps + after.rps) / 2,
                (before.p50_ms + after.p50_ms) / 2,
                max(before.p99_ms, after.p99_ms),
                before.errors + after.errors,
                before.timeouts + after.timeouts,
                max(before.rss_mib, after.rss_mib),
            )
            rows.append((label, ceiling_result, rapport_result))
            print(
                f"{name}: {label}: {rapport_result.rps:.0f} req/s vs ceiling {ceiling_result.rps:.0f}",
                flush=True,
            )
        return rows
    finally:
        for process in (ceiling, rapport):
            process.terminate()
            process.wait(timeout=10)


def versions() -> str:
    import asyncpg
    import fastapi
    import pydantic
    import sqlalchemy
    import uvicorn

    return (
        f"Python {platform.python_version()}, FastAPI {fastapi.__version__}, pydantic {pydantic.VERSION}, "
        f"SQLAlchemy {sqlalchemy.__version__}, asyncpg {asyncpg.__version__}, uvicorn {uvicorn.__version__}"
    )


def report(results: dict[str, list[tuple[str, Measure, Measure]]]) -> str:
    lines = [
        "# Benchmark: latest run",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, "
        f"{platform.machine()}; one uvicorn worker (uvloop, httptools, no access log); "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s on the same machine, after a {WARMUP} s warm-up.",
        versions() + ".",
        "",
        "Seeded workspace: 1,000 people, 200 organisations, 500 interviews; the caller is an API key.",
        "Ratio = Rapport's req/s over the ceiling's (bench/ceiling.py): the mean of a ceiling run "
        "right before and one right after Rapport's.",
        "",
    ]
    for name, rows in results.items():
        lines += [
            f"## {name}",
            "",
            "| scenario | req/s | ratio | p50 ms | p99 ms | p99/p50 | non-2xx/3xx | timeouts | RSS MiB | ceiling req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, ceiling, rapport in rows:
            lines.append(
                f"| {label} | {rapport.rps:.0f} | {rapport.rps / ceiling.rps:.1%} | {rapport.p50_ms:.2f} | "
                f"{rapport.p99_ms:.2f} | {rapport.p99_ms / rapport.p50_ms:.1f} | {rapport.errors} | "
                f"{rapport.timeouts} | {rapport.rss_mib:.0f} | {ceiling.rps:.0f} |"
            )
        lines.append("")
    if "PostgreSQL" in results:
        lines += [
            "## Against the targets (PostgreSQL)",
            "",
            "| scenario | ratio | target | met | p99 ≤ 4 × p50 | no time-outs | RSS < 200 MiB |",
            "|---|---:|---:|---|---|---|---|",
        ]
        for label, ceiling, rapport in results["PostgreSQL"]:
            target = TARGETS.get(label)
            ratio = rapport.rps / ceiling.rps
            lines.append(
                f"| {label} | {ratio:.1%} | {f'{target:.0%}' if target else '—'} | "
                f"{('yes' if ratio >= target else 'no') if target else '—'} | "
                f"{'yes' if rapport.p99_ms <= 4 * rapport.p50_ms else 'no'} | "
                f"{'yes' if rapport.timeouts == 0 else 'no'} | "
                f"{'yes' if rapport.rss_mib < 200 else 'no'} |"
            )
        lines += ["", "docs/performance.md explains where the time goes.", ""]
    return "\n".join(lines)


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    results: dict[str, list[tuple[str, Measure, Measure]]] = {}
    if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        results["PostgreSQL"] = run_database("PostgreSQL", os.environ["DATABASE_URL"])
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite (no target)"] = run_database(
            "SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db"
        )
    RESULTS.write_text(report(results))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
