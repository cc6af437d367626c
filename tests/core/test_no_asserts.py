"""No behaviour of the app rests on `assert`: `python -O` drops them, and answers stay the same."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_of_the_app_asserts() -> None:
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        relative = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
        found += [
            f"{relative}:{node.lineno}" for node in ast.walk(tree) if isinstance(node, ast.Assert)
        ]
    assert not found, "assert is dropped under python -O; raise instead:\n" + "\n".join(found)


def test_answers_are_the_same_under_python_o() -> None:
    """A few requests through the app in a fresh process, with and without -O."""
    plain, optimised = _answers_in_subprocess(optimise=False), _answers_in_subprocess(optimise=True)
    assert (plain["optimize"], optimised["optimize"]) == (0, 1)
    assert optimised["answers"] == plain["answers"]
    statuses = [answer[1] for answer in plain["answers"]]
    assert statuses == [201, 201, 200, 422, 404, 201, 403, 403, 403, 200], plain["answers"]


def _answers_in_subprocess(*, optimise: bool) -> dict[str, Any]:
    # The subprocess inherits the suite's settings and migrated database (tests/conftest.py).
    code = "import tests.core.test_no_asserts as t; t.print_answers()"
    flags = ["-O"] if optimise else []
    result = subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return answers


def print_answers() -> None:
    """Run in the subprocess: print what the app answered, as one JSON line."""
    answers = asyncio.run(_requests())
    print(json.dumps({"optimize": sys.flags.optimize, "answers": answers}))


async def _requests() -> list[tuple[str, int, str, Any]]:
    from app.core.settings import Settings
    from app.main import create_app

    app = create_app(Settings())
    email = f"dash-o-{secrets.token_hex(6)}@example.com"
    # Its own /64, so the sign-up throttle never counts the suite's sign-ups against it.
    address = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"
    answers: list[tuple[str, int, str, Any]] = []

    def note(name: str, response: httpx.Response) -> Any:
        body = response.json()
        answers.append(
            (name, response.status_code, response.headers["content-type"], _masked(body, email))
        )
        return body

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as c:
            signup = {"email": email, "password": "correct horse battery staple", "name": "Ada"}
            account = note("signup", await c.post("/v1/auth/signup", json=signup))
            user = {"Authorization": f"Bearer {account['token']['access_token']}"}
            people = f"/v1/workspaces/{account['workspace']['id']}/people"
            person = {"given_name": "Grace", "family_name": "Hopper"}
            created = note("create person", await c.post(people, json=person, headers=user))
            url = f"{people}/{created['id']}"
            note("read person", await c.get(url, headers=user))
            note("invalid person", await c.post(people, json={"given": 1}, headers=user))
            note("no route", await c.get("/v1/nowhere", headers=user))
            key_body = {"name": "integration", "scopes": ["people:read"]}
            keys = f"/v1/workspaces/{account['workspace']['id']}/api-keys"
            key = note("create key", await c.post(keys, json=key_body, headers=user))
            api_key = {"Authorization": f"Bearer {key['secret']}"}
            note("me by key", await c.get("/v1/me", headers=api_key))
            note("invitations by key", await c.get("/v1/me/invitations", headers=api_key))
            new_workspace = {"name": "Side project"}
            note(
                "workspace by key",
                await c.post("/v1/workspaces", json=new_workspace, headers=api_key),
            )
            note("me", await c.get("/v1/me", headers=user))
    return answers


_ID = re.compile(r"\b[a-z]{3}_[0-9a-f]{32}\b")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
# Values that differ on every run: credentials and the request's own id.
_RANDOM = {"access_token", "refresh_token", "secret", "prefix", "last_four", "request_id"}


def _masked(value: Any, email: str) -> Any:
    """The answer with what differs between runs (ids, times, secrets, the email) masked."""
    if isinstance(value, dict):
        return {k: "<random>" if k in _RANDOM else _masked(v, email) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, email) for v in value]
    if isinstance(value, str):
        return _TIME.sub("<time>", _ID.sub("<id>", value.replace(email, "<email>")))
    return value
