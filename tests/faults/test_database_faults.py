"""The database going away never answers 500 (issue 19): every pool connection terminated
under load, PostgreSQL restarted under load and stopped for a few seconds, the pool exhausted,
a statement past its time limit, a transaction cut off half-way. Each counts the status codes
under a load of reads and writes and asserts no 500 and a bounded number of 503s."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.faults.conftest import Cluster, Site, Tally, load, site


async def _list(target: Site, _: int) -> httpx.Response:
    return await target.client.get(target.people(), params={"limit": 5}, headers=target.headers)


async def _one(target: Site, _: int) -> httpx.Response:
    person_id = target.app.state.fault_person
    return await target.client.get(f"{target.people()}/{person_id}", headers=target.headers)


async def _create(target: Site, n: int) -> httpx.Response:
    return await target.client.post(
        target.people(), json={"given_name": f"Load {n}"}, headers=target.headers
    )


REQUESTS = {"list": _list, "one": _one, "create": _create}


async def _prepare(target: Site) -> None:
    made = await _create(target, 0)
    assert made.status_code == 201, made.text
    target.app.state.fault_person = made.json()["id"]


async def _under_load(
    target: Site, fault: Any, *, before: float = 0.5, after: float = 2.5, workers: int = 8
) -> tuple[Tally, float]:
    """Load, then the fault (a blocking call, run in a thread, timed), then load again."""
    stop = asyncio.Event()
    running = asyncio.ensure_future(load(target, REQUESTS, stop, workers=workers))
    await asyncio.sleep(before)
    started = time.monotonic()
    await asyncio.to_thread(fault) if not asyncio.iscoroutinefunction(fault) else await fault()
    took = time.monotonic() - started
    await asyncio.sleep(after)
    stop.set()
    return await running, took


def _no_500(tally: Tally) -> None:
    assert tally.count(500) == 0, tally.statuses
    assert not tally.unexpected, tally.unexpected[:3]


async def test_every_pool_connection_terminated_under_load(running: Cluster) -> None:
    async with site(running) as target:
        await _prepare(target)
        tally, _ = await _under_load(target, running.terminate_others, workers=8)
        _no_500(tally)
        # Reads meeting a dead connection are retried on a new one; only a request that was
        # in flight inside a transaction (a create) may answer 503: one per client at most.
        assert tally.count(503) <= 8, tally.statuses
        assert tally.statuses["list", 200]
        assert tally.statuses["create", 201]
        # Served after the fault too: the pool opened new connections.
        assert target.pool.opened > 1


async def test_postgresql_restarted_under_load(running: Cluster) -> None:
    async with site(running) as target:
        await _prepare(target)
        tally, took = await _under_load(target, running.restart, workers=8)
        _no_500(tally)
        # Each client, honouring Retry-After (1 s), sees at most one 503 per second the server
        # was away, and one more on either side.
        assert tally.count(503) <= 8 * (math.ceil(took) + 2), (tally.statuses, took)
        after = await _list(target, 0)
        assert after.status_code == 200, after.text


async def test_postgresql_stopped_for_three_seconds(running: Cluster) -> None:
    async with site(running, db_retry_interval_ms=500) as target:
        await _prepare(target)
        pool = target.pool
        await asyncio.to_thread(running.stop)
        try:
            failures_before = pool.open_failures
            seen: list[int] = []
            codes: set[str] = set()
            stopped = time.monotonic()
            while time.monotonic() - stopped < 3:
                for send in (_list, _one, _create):
                    response = await send(target, 1)
                    seen.append(response.status_code)
                    if response.status_code == 503:
                        body = assert_problem(response, 503, "database_unavailable")
                        assert response.headers["retry-after"] == "1"
                        codes.add(body["code"])
                ready = await target.client.get("/readyz")
                assert_problem(ready, 503, "not_ready")
                await asyncio.sleep(0.05)
            assert set(seen) == {503}, seen
            # While it is down the pool does not try to connect for every request: once per
            # retry interval (0.5 s), so about 6 attempts in 3 s, for well over 100 requests.
            attempts = pool.open_failures - failures_before
            assert len(seen) > 100
            assert attempts <= 3 / 0.5 + 2, attempts
        finally:
            await asyncio.to_thread(running.start)
        # Back: after the retry interval the next requests succeed, without a restart.
        await asyncio.sleep(0.5)
        for send, status in ((_list, 200), (_one, 200), (_create, 201)):
            response = await send(target, 2)
            assert response.status_code == status, response.text
        assert (await target.client.get("/readyz")).status_code == 200


async def test_connections_terminated_while_idle_are_replaced_before_a_write(
    running: Cluster,
) -> None:
    """After an idle spell (here: any, check_after_idle 0) a connection is checked before it
    is lent, so a write after the server dropped every connection succeeds at once."""
    async with site(running, db_check_after_idle_ms=0) as target:
        await _prepare(target)
        assert await running.terminate_others() >= 1
        await asyncio.sleep(0.1)
        response = await _create(target, 1)
        assert response.status_code == 201, response.text


async def test_a_write_whose_transaction_is_cut_off_half_way_answers_503_and_saves_nothing(
    running: Cluster,
) -> None:
    """A create with a stay-in-touch interval inserts the person, then its follow-up: with the
    follow-ups locked, it waits half-way; its connection is then terminated."""
    async with site(running) as target:
        await _prepare(target)
        admin = await running.admin()
        try:
            lock = admin.transaction()
            await lock.start()
            await admin.execute("LOCK TABLE follow_ups IN ACCESS EXCLUSIVE MODE")
            name = "Half Way"
            creating = asyncio.ensure_future(
                target.client.post(
                    target.people(),
                    json={"given_name": name, "stay_in_touch_every_days": 30},
                    headers=target.headers,
                )
            )
            for _ in range(100):
                waiting = await admin.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = 'rapport' "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                if waiting:
                    break
                await asyncio.sleep(0.05)
            assert waiting, "the create never reached the locked table"
            await admin.execute("SELECT pg_terminate_backend($1)", waiting[0]["pid"])
            response = await creating
            await lock.rollback()
        finally:
            await admin.close()
        assert_problem(response, 503, "database_unavailable")
        assert response.headers["retry-after"] == "1"
        found = await target.client.get(target.people(), params={"q": name}, headers=target.headers)
        assert found.status_code == 200
        assert found.json()["data"] == []


async def test_an_exhausted_pool_answers_503_database_busy_after_the_acquire_timeout(
    running: Cluster,
) -> None:
    async with site(running, db_pool_size=2, db_acquire_timeout_ms=300) as target:
        await _prepare(target)
        admin = await running.admin()
        try:
            lock = admin.transaction()
            await lock.start()
            await admin.execute("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
            held = [asyncio.ensure_future(_list(target, n)) for n in range(2)]
            for _ in range(100):
                if target.pool.size == 2 and target.pool.idle == 0:
                    break
                await asyncio.sleep(0.02)
            busy = await _list(target, 3)
            await lock.rollback()
        finally:
            await admin.close()
        body = assert_problem(busy, 503, "database_busy")
        assert "within 0.3 s" not in body["detail"]  # the pool's own message stays server-side
        assert busy.headers["retry-after"] == "1"
        for response in await asyncio.gather(*held):
            assert response.status_code == 200, response.text
        assert (await _list(target, 4)).status_code == 200


async def test_a_statement_past_the_statement_timeout_answers_503_database_timeout(
    running: Cluster,
) -> None:
    async with site(running, db_statement_timeout_ms=300) as target:
        await _prepare(target)
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
        assert response.headers["retry-after"] == "1"
        # The connection is sound after PostgreSQL's own cancellation: reused, not replaced.
        opened = target.pool.opened
        assert (await _list(target, 2)).status_code == 200
        assert target.pool.opened == opened
