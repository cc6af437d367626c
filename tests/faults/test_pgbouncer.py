"""Rapport behind PgBouncer in transaction mode (Debian's pgbouncer, started here like the
cluster): with `RAPPORT_DB_PGBOUNCER` no prepared statement outlives its transaction and no
setting is sent at connection, so many app connections share a few server connections; the
statement timeout and JIT setting come from the role (docs/deploy.md)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.pgpool import PoolUnavailable
from tests.conftest import assert_problem
from tests.faults.conftest import Cluster, as_postgres, load, site
from tests.faults.test_database_faults import REQUESTS, _list, _prepare
from tests.servers import free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
ROLE = "rapport_bouncer"


@pytest.fixture(scope="module")
def bouncer(cluster: Cluster) -> Iterator[str]:
    """PgBouncer in transaction mode, 3 server connections, in front of the cluster; yields
    the URL the app connects to (a role of its own, whose settings PgBouncer cannot send)."""
    if not os.path.exists(PGBOUNCER):
        pytest.fail("pgbouncer is not installed: `make test` installs Debian's package")
    subprocess.run(
        as_postgres(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-d",
            "rapport",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f"DROP ROLE IF EXISTS {ROLE}; CREATE ROLE {ROLE} LOGIN SUPERUSER; "
            f"ALTER ROLE {ROLE} SET statement_timeout = '300ms'; ALTER ROLE {ROLE} SET jit = off",
        ),
        check=True,
        capture_output=True,
    )
    root = Path(tempfile.mkdtemp(prefix="rapport-pgbouncer-"))
    port = free_port()
    (root / "users.txt").write_text(f'"{ROLE}" ""\n')
    (root / "pgbouncer.ini").write_text(
        f"""[databases]
rapport = host=127.0.0.1 port={cluster.port} dbname=rapport

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/users.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 200
logfile = {root}/pgbouncer.log
pidfile = {root}/pgbouncer.pid
"""
    )
    if os.getuid() == 0:
        shutil.chown(root, "postgres")
        for child in root.iterdir():
            shutil.chown(child, "postgres")
    process = subprocess.Popen(as_postgres(PGBOUNCER, root / "pgbouncer.ini"))
    try:
        for _ in range(100):
            if (root / "pgbouncer.pid").exists():
                break
            if process.poll() is not None:
                pytest.fail(f"pgbouncer did not start: {(root / 'pgbouncer.log').read_text()}")
            time.sleep(0.05)
        yield f"postgresql+asyncpg://{ROLE}@127.0.0.1:{port}/rapport"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(root, ignore_errors=True)


async def test_the_api_under_load_through_pgbouncer_transaction_mode(
    running: Cluster, bouncer: str
) -> None:
    async with site(running, database_url=bouncer, db_pgbouncer=True, db_pool_size=12) as target:
        await _prepare(target)
        stop = asyncio.Event()
        # Twelve app connections, three server connections: statements of one app connection
        # run on whichever server connection PgBouncer gives its transaction.
        running_load = asyncio.ensure_future(load(target, REQUESTS, stop, workers=12))
        await asyncio.sleep(2)
        stop.set()
        tally = await running_load
        assert not tally.unexpected, tally.unexpected[:3]
        assert set(tally.statuses) == {("list", 200), ("one", 200), ("create", 201)}, tally
        assert target.pool.size > 3


async def test_the_roles_settings_apply_through_pgbouncer(running: Cluster, bouncer: str) -> None:
    async with site(running, database_url=bouncer, db_pgbouncer=True) as target:
        await _prepare(target)
        db = target.app.state.database
        assert db.options.pgbouncer
        async with db.pool.connection() as conn:
            assert await conn.fetchval("SHOW jit") == "off"
        admin = await running.admin()
        try:
            lock = admin.transaction()
            await lock.start()
            await admin.execute("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
            response = await _list(target, 1)
            await lock.rollback()
        finally:
            await admin.close()
        assert_problem(response, 503, "database_timeout")


async def test_without_pgbouncer_mode_the_app_cannot_use_pgbouncer(
    running: Cluster, bouncer: str
) -> None:
    """The setting is needed: PgBouncer 1.18 refuses the settings Rapport otherwise sends."""
    with pytest.raises(PoolUnavailable) as refused:
        async with site(running, database_url=bouncer):
            pass
    assert "unsupported startup parameter" in str(refused.value.__cause__)
