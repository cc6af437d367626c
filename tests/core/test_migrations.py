"""Alembic is the schema's only source: upgrade, downgrade and upgrade again all work, and the
models agree with the migrations (`alembic check`), on the database under test."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

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


async def _organisations_schema(conn: AsyncConnection) -> tuple[int, str]:
    """The width of `organisations.website` and the definition of the table's trigger."""
    if conn.dialect.name == "sqlite":
        trigger = await conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": "organisations"},
        )
        declared = await conn.scalar(
            text("SELECT type FROM pragma_table_info('organisations') WHERE name = 'website'")
        )
        width = int(str(declared).removeprefix("VARCHAR(").removesuffix(")"))
    else:
        trigger = await conn.scalar(
            text(
                "SELECT pg_get_triggerdef(oid) || ' ' || pg_get_functiondef(tgfoid) "
                "FROM pg_trigger WHERE tgrelid = 'organisations'::regclass AND NOT tgisinternal"
            )
        )
        width = await conn.scalar(
            text(
                "SELECT character_maximum_length FROM information_schema.columns "
                "WHERE table_name = 'organisations' AND column_name = 'website'"
            )
        )
    assert trigger is not None
    return int(width), str(trigger)


async def test_0012_widens_websites_and_keeps_the_stored_document_trigger(
    scratch_url: str,
) -> None:
    """Migration 0012 widens `organisations.website` (SQLite rebuilds the table) and leaves the
    `organisations_clear_stale_doc` trigger as migration 0011 wrote it, both ways, with the
    rows and the references to them; the downgrade clears the websites the old column cannot
    hold, and the trigger clears their documents."""
    assert alembic("upgrade", "0011", url=scratch_url).returncode == 0
    engine = create_async_engine(scratch_url)
    long_site = "https://example.com/?" + "%27" * 1000  # 3,021 characters, stored after 0012
    try:
        async with engine.begin() as conn:
            at_0011 = await _organisations_schema(conn)
            assert at_0011[0] == 2048
            await conn.execute(
                text(
                    "INSERT INTO workspaces (id, name, created_at, updated_at, "
                    "thank_you_due_hours, interview_goal) "
                    "VALUES ('w', 'W', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 48, 12)"
                )
            )
            for org_id in ("o1", "o2"):
                await conn.execute(
                    text(
                        "INSERT INTO organisations (id, workspace_id, name, name_key, website, "
                        "is_target, tags, search_text, created_at, updated_at, doc, doc_version) "
                        "VALUES (:id, 'w', :id, :id, 'https://a.io/', false, '[]', '', "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}', 'v')"
                    ),
                    {"id": org_id},
                )
            await conn.execute(
                text(
                    "INSERT INTO people (id, workspace_id, display_name, emails, phones, "
                    "profile_urls, relationship_stage, tags, search_text, created_at, "
                    "updated_at, organisation_id) VALUES ('p', 'w', 'P', '[]', '[]', '[]', "
                    "'new', '[]', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'o1')"
                )
            )

        assert alembic("upgrade", "head", url=scratch_url).returncode == 0
        async with engine.begin() as conn:
            assert await _organisations_schema(conn) == (6145, at_0011[1])
            assert await conn.scalar(text("SELECT organisation_id FROM people")) == "o1"
            assert await conn.scalar(text("SELECT count(*) FROM organisations")) == 2
            # The trigger works on the new table: a write that leaves `doc` clears it.
            await conn.execute(
                text("UPDATE organisations SET website = :site WHERE id = 'o2'"),
                {"site": long_site},
            )
            assert await conn.scalar(text("SELECT doc FROM organisations WHERE id = 'o2'")) is None
            await conn.execute(
                text("UPDATE organisations SET doc = '{}', doc_version = 'v' WHERE id = 'o2'")
            )

        assert alembic("downgrade", "0011", url=scratch_url).returncode == 0
        async with engine.begin() as conn:
            assert await _organisations_schema(conn) == at_0011
            assert await conn.scalar(text("SELECT organisation_id FROM people")) == "o1"
            kept = (await conn.execute(text("SELECT id, website, doc FROM organisations"))).all()
            assert sorted(tuple(row) for row in kept) == [
                ("o1", "https://a.io/", "{}"),
                ("o2", None, None),
            ]
            await conn.execute(text("UPDATE organisations SET name = 'x' WHERE id = 'o1'"))
            assert await conn.scalar(text("SELECT doc FROM organisations WHERE id = 'o1'")) is None
    finally:
        await engine.dispose()
