"""make fuzz: schemathesis against a live Rapport, as a workspace owner and as an API key.

For each identity a throwaway SQLite database is migrated, a server started on a free port and
an owner signed up (the API key, holding every scope, is made by tests/fuzz/hooks.py); then
`schemathesis run` goes over every operation of openapi/openapi.json, with a fixed seed, all
checks and all phases. The two identities run side by side. Exits non-zero on any finding;
tests/fuzz/README.md says how to reproduce one."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "openapi" / "openapi.json"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
EMAIL = "owner@fuzz.example"
# Not a password any example of the document shows, so no generated request changes it.
PASSWORD = secrets.token_urlsafe(24)
# /metrics is served (so fuzzed) only with an operator's token; hooks.py sends it there.
METRICS_TOKEN = secrets.token_urlsafe(24)
IDENTITIES = ("owner", "api-key")

# The settings the test suite runs with (tests/conftest.py): cheap Argon2, no caller cache, and
# sign-ups, failed logins and requests not throttled so tightly that a fuzzing run trips the
# limits on its own (it sends wrong passwords to /v1/auth/token and /v1/me/password, then must
# log in again after signing itself out; tests/security/ and tests/rate_limits/ test the limits
# themselves).
SERVER_ENV = {
    "RAPPORT_ENV": "test",
    "RAPPORT_SECRET_KEY": "fuzz-signing-key-" + "x" * 40,
    "RAPPORT_ARGON2_TIME_COST": "1",
    "RAPPORT_ARGON2_MEMORY_KIB": "8192",
    "RAPPORT_LOG_LEVEL": "WARNING",
    "RAPPORT_AUTH_CACHE_SECONDS": "0",
    "RAPPORT_SIGNUP_MAX_PER_ADDRESS": "100000",
    "RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS": "100000",
    "RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT": "100000",
    "RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
    # A run sends thousands of requests a minute from one credential and address
    # (tests/rate_limits tests the limits and their 429).
    "RAPPORT_RATE_LIMIT_API_KEY": "1000000/minute",
    "RAPPORT_RATE_LIMIT_USER": "1000000/minute",
    "RAPPORT_RATE_LIMIT_ADDRESS": "1000000/minute",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(workdir: Path) -> Iterator[str]:
    """Migrate a new SQLite file and serve it; yield the base URL; kill the server."""
    env = {**os.environ, **SERVER_ENV}
    env["DATABASE_URL"] = database_url = f"sqlite+aiosqlite:///{workdir}/fuzz.db"
    env["RAPPORT_METRICS_TOKEN"] = METRICS_TOKEN
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start ({database_url}); see {log.name}")
            time.sleep(0.1)
        yield base_url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()


def owner_and_workspace(base_url: str) -> str:
    """Sign up the owner the run acts as (tests/fuzz/hooks.py logs in with it): its workspace."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        signup = client.post(
            "/v1/auth/signup", json={"email": EMAIL, "name": "Fuzz Owner", "password": PASSWORD}
        )
        signup.raise_for_status()
        return str(signup.json()["workspace"]["id"])


def command(url: str, args: argparse.Namespace) -> list[str]:
    line = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        str(DOCUMENT),
        "--url",
        url,
        "--seed",
        str(args.seed),
        # Hypothesis' check of its own efficiency, not of the API (tests/fuzz/README.md): the
        # year rule on request timestamps makes it discard most timestamps it draws, and with
        # the optional headers of `…/schedule` and `…/reschedule` that now and then passes its
        # bound; those operations are still fuzzed with every case it keeps.
        "--suppress-health-check=filter_too_much",
    ]
    if args.max_examples:
        line += ["--max-examples", str(args.max_examples)]
    return [*line, *args.extra]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--as", dest="only", choices=IDENTITIES, default=None)
    parser.add_argument("extra", nargs="*", help="passed on to `schemathesis run`")
    args = parser.parse_args()
    scopes = json.loads(DOCUMENT.read_text())["components"]["schemas"]["Scope"]["enum"]
    identities = [args.only] if args.only else list(IDENTITIES)
    started = time.monotonic()
    # One server, database and owner per identity, run side by side (one core each): neither
    # run sees the other's records, and the campaign takes the time of the longer one.
    with contextlib.ExitStack() as stack:
        runs = []
        for identity in identities:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rapport-fuzz-")))
            url = stack.enter_context(server(tmp))
            env = {
                **os.environ,
                "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
                "PYTHONPATH": str(ROOT),
                "RAPPORT_FUZZ_URL": url,
                "RAPPORT_FUZZ_AS": identity,
                "RAPPORT_FUZZ_EMAIL": EMAIL,
                "RAPPORT_FUZZ_PASSWORD": PASSWORD,
                "RAPPORT_FUZZ_METRICS_TOKEN": METRICS_TOKEN,
                "RAPPORT_FUZZ_WORKSPACE_ID": owner_and_workspace(url),
                "RAPPORT_FUZZ_SCOPES": ",".join(scopes),
                # Rich's live display is for a terminal; the log is read afterwards.
                "COLUMNS": "120",
            }
            output = stack.enter_context((tmp / "schemathesis.log").open("w+"))
            process = subprocess.Popen(
                command(url, args), env=env, stdout=output, stderr=subprocess.STDOUT
            )
            runs.append((identity, process, output))
        status = 0
        for identity, process, output in runs:
            status |= process.wait()
            output.seek(0)
            print(f"--- schemathesis as {identity}", flush=True)
            print(output.read(), flush=True)
    outcome = "found nothing" if status == 0 else "FOUND FAILURES"
    print(f"fuzz: {' and '.join(identities)}, {outcome} in {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
