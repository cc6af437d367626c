"""The clients `make sdk` generates (build/), and a real server for them to call.

A client generated from another document than the app's would test the wrong contract, so a
missing or stale build/ fails the test (never skips it), saying what to run."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.openapi_export import render
from tests.conftest import DATABASE_URL, ROOT, alembic
from tests.servers import Server, serving

BUILD = ROOT / "build"


@pytest.fixture(scope="session")
def generated() -> Path:
    """build/, holding clients generated from the document the app serves now."""
    source = BUILD / "openapi.json"
    if not source.is_file():
        pytest.fail(f"No generated clients in {BUILD}: run make sdk")
    if source.read_bytes() != render():
        pytest.fail(f"The clients in {BUILD} come from another OpenAPI document: run make sdk")
    return BUILD


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[Server]:
    """The app served on a free port: on SQLite from a fresh migrated file of its own (two
    processes writing one file would only test SQLite's locking), on PostgreSQL from the
    suite's database, migrated already."""
    url = DATABASE_URL
    if make_url(url).get_backend_name() == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/sdk.db"
        migrated = alembic("upgrade", "head", url=url)
        assert migrated.returncode == 0, migrated.stderr
    async with serving(url, tmp_path / "server.log") as server:
        await server.start()
        yield server
        # Captured, so shown only with a failure.
        print(f"server log:\n{server.log()}", file=sys.stderr)
