"""Alembic is the schema's only source: upgrade, downgrade and upgrade again all work, and the
models agree with the migrations (`alembic check`), on the database under test."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import DATABASE_URL, _tmp, alembic, assert_problem, client_for


@pytest.fixture
async def scratch_url() -> AsyncIterator[str]:
    """An empty database of the same kind as the one under test."""
    url = make_url(DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///{_tmp}/migrations-{secrets.token_hex(4)}.db"
        return
    name = f"migrations_{secrets.token_hex(4)}"
    admin = os.environ.get("PG_ADMIN_URL") or url.set(
        drivername="postgresql", database="postgres"
    ).render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_upgrade_downgrade_upgrade_and_check(scratch_url: str) -> None:
    for step in (("upgrade", "head"), ("downgrade", "base"), ("upgrade", "head"), ("check",)):
        result = alembic(*step, url=scratch_url)
        assert result.returncode == 0, f"alembic {' '.join(step)}:\n{result.stderr}"
    assert "No new upgrade operations detected" in result.stdout + result.stderr


async def test_readiness_follows_the_schema_revision(scratch_url: str) -> None:
    app = create_app(Settings(database_url=scratch_url))
    async with app.router.lifespan_context(app), client_for(app) as client:
        body = assert_problem(await client.get("/readyz"), 503, "not_ready")
        assert "revision None" in body["detail"]
        assert alembic("upgrade", "head", url=scratch_url).returncode == 0
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["revision"] == app.state.schema_head
