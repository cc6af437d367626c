"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when DATABASE_URL says so),
the app on it, an HTTP client, and factories for accounts, members and API keys."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
_tmp = tempfile.mkdtemp(prefix="rapport-tests-")

# Settings are read from the environment when the app is built: fix them before any import.
# The in-process test apps keep their metrics to themselves (tests/core/test_metrics_workers.py
# sets the multiprocess directory for the servers it starts).
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
os.environ.setdefault("DATABASE_URL", f"sqlite+aiosqlite:///{_tmp}/test.db")
os.environ.update(
    RAPPORT_ENV="test",
    RAPPORT_SECRET_KEY="test-signing-key-" + "x" * 40,
    RAPPORT_ARGON2_TIME_COST="1",
    RAPPORT_ARGON2_MEMORY_KIB="8192",
    RAPPORT_LOG_LEVEL="WARNING",
    # Tests change records behind the app's back (expiring keys in the table, say); the cache
    # itself is tested on its own, with a TTL, in tests/auth/test_caller_cache.py.
    RAPPORT_AUTH_CACHE_SECONDS="0",
    # A test signs up a dozen users from its one client at most (10 is the default limit); the
    # throttle itself is tested against this limit in tests/security/test_accounts.py.
    RAPPORT_SIGNUP_MAX_PER_ADDRESS="30",
    # A module's shared owner sends thousands of requests a minute; the limits themselves are
    # tested with apps of their own, at small quotas, in tests/rate_limits.
    RAPPORT_RATE_LIMIT_API_KEY="1000000/minute",
    RAPPORT_RATE_LIMIT_USER="1000000/minute",
    RAPPORT_RATE_LIMIT_ADDRESS="1000000/minute",
)

from sqlalchemy import select  # noqa: E402

from app.core.db import Database  # noqa: E402
from app.core.settings import Settings  # noqa: E402
from app.interviews.models import interviews  # noqa: E402
from app.interviews.service import INTERVIEW_JSON  # noqa: E402
from app.main import create_app  # noqa: E402
from app.organisations.models import organisations  # noqa: E402
from app.organisations.service import ORGANISATION_JSON  # noqa: E402
from app.people.models import people  # noqa: E402
from app.people.service import PERSON_JSON  # noqa: E402

DATABASE_URL = os.environ["DATABASE_URL"]
PASSWORD = "correct horse battery staple"


def alembic(*args: str, url: str = DATABASE_URL) -> subprocess.CompletedProcess[str]:
    """Run the Alembic CLI against `url` (in a subprocess: it runs its own event loop)."""
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session", autouse=True)
def migrated() -> None:
    result = alembic("upgrade", "head")
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
async def app(migrated: None) -> AsyncIterator[Any]:
    application = create_app(Settings())
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def database(app: Any) -> Database:
    db = app.state.database
    assert isinstance(db, Database)
    return db


@pytest.fixture(scope="session", autouse=True)
async def stored_documents_match_their_rows(database: Database) -> AsyncIterator[None]:
    """After the whole suite, with every write path exercised: each stored representation
    (`doc`, app.core.rows) is the JSON its row's columns give. A write that changed a row and
    stored a stale or wrong document fails here."""
    yield
    wrong = []
    shown_as = (
        (people, PERSON_JSON),
        (organisations, ORGANISATION_JSON),
        (interviews, INTERVIEW_JSON),
    )
    for table, shown in shown_as:
        rows = await database.reader().all(select(*table.c).where(table.c.doc.is_not(None)))
        for row in rows:
            columns = {key: value for key, value in row.items() if key != "doc"}
            if row["doc"] != shown.json(columns).decode():
                wrong.append((table.name, row["id"], row["doc"], shown.json(columns)))
    assert not wrong, wrong[:3]


def client_for(app: Any, address: str | None = None) -> httpx.AsyncClient:
    """A client whose requests come from `address`: by default an IPv6 documentation address in
    a /64 of its own (the throttle counts per /64), so one test's failed logins never count
    against another's."""
    address = address or f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://rapport.test")


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@dataclass
class Account:
    """A signed-up user with their personal workspace and a valid access token."""

    user_id: str
    email: str
    workspace_id: str
    access_token: str
    refresh_token: str
    password: str = PASSWORD
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_email(stem: str = "user") -> str:
    return f"{stem}-{secrets.token_hex(6)}@example.com"


async def signup(
    client: httpx.AsyncClient, *, email: str | None = None, name: str = "Ada"
) -> Account:
    email = email or unique_email()
    response = await client.post(
        "/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(
        user_id=body["user"]["id"],
        email=email,
        workspace_id=body["workspace"]["id"],
        access_token=body["token"]["access_token"],
        refresh_token=body["token"]["refresh_token"],
    )


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Account:
    return await signup(client, name="Owner")


async def add_member(client: httpx.AsyncClient, owner: Account, role: str) -> Account:
    """Sign up another user, invite them to `owner`'s workspace with `role`, and accept."""
    other = await signup(client, name=role.title())
    invited = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/invitations",
        json={"email": other.email, "role": role},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text
    response = await client.post(
        f"/v1/me/invitations/{invited.json()['id']}/accept", headers=other.headers
    )
    assert response.status_code == 201, response.text
    other.extra["member_id"] = response.json()["id"]
    other.extra["workspace_id"] = owner.workspace_id
    return other


@pytest.fixture
async def editor(client: httpx.AsyncClient, owner: Account) -> Account:
    return await add_member(client, owner, "editor")


@pytest.fixture
async def viewer(client: httpx.AsyncClient, owner: Account) -> Account:
    return await add_member(client, owner, "viewer")


async def create_api_key(
    client: httpx.AsyncClient, owner: Account, scopes: list[str], **extra: Any
) -> dict[str, Any]:
    """Create an API key in the owner's workspace; returns the create response (with `secret`)."""
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/api-keys",
        json={"name": "integration", "scopes": scopes, **extra},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with this status and machine code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    for key in ("type", "title", "status", "detail", "instance", "code", "request_id"):
        assert key in body, f"problem lacks {key}: {body}"
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"].endswith(code)
    assert body["request_id"] == response.headers["x-request-id"]
    return body
