"""`make bench-scale`: a workspace of 1,000,000 people against one of 1,000, on PostgreSQL.

Seeds both workspaces (the big one with one INSERT … SELECT generate_series, in about a minute),
serves Rapport as `make bench` does, and measures the median latency of sequential requests:
the first page, a page 1,000 pages deep (reached by following cursors), a page filtered by
organisation, one filtered by tag and a `q` search. Each must stay within 2× of the same query
on the small workspace. The plans PostgreSQL chose (EXPLAIN ANALYZE of the very statements the
service runs) go into bench/results/scale.md.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

from app.core.db import Database, Db, Params, Row
from app.documents import store_missing
from app.people import service as people_service
from app.people.schemas import PersonFilters
from bench.fixture import seed
from bench.run import ROOT, free_port, serve, versions

RESULTS = ROOT / "bench" / "results" / "scale.md"
BIG = int(os.environ.get("SCALE_PEOPLE", "1000000"))
SAMPLES = int(os.environ.get("SCALE_SAMPLES", "200"))
DEPTH = 1000
ORGANISATIONS = 2000
# The small workspace from bench/fixture.py: 1,000 people over 200 organisations, tags "bench"
# and cohort-0…9; the big one keeps the same proportions (cohort tags: one person in ten).

# Every column of `people`; ids are UUIDv7-shaped (time-ordered hex), like ids.new_id's.
_SEED_BIG = """
WITH orgs AS (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
    FROM organisations WHERE workspace_id = $1
)
INSERT INTO people (
    id, workspace_id, given_name, family_name, display_name, emails, phones, job_title,
    organisation_id, location, linkedin_url, profile_urls, source, referred_by_id,
    relationship_stage, tags, notes, may_use_name_as_referral, open_to_follow_up,
    last_contacted_at, stay_in_touch_every_days, search_text, created_at, updated_at
)
SELECT
    'per_' || lpad(to_hex(1700000000000 + g), 12, '0') || '7' || substr(md5(g::text), 1, 3)
        || '8' || substr(md5(g::text), 4, 15),
    $1,
    'Given' || g,
    initcap(translate(substr(md5('f' || g), 1, 9), '0123456789', 'ghijklmnop')),
    'Given' || g || ' ' || initcap(translate(substr(md5('f' || g), 1, 9), '0123456789', 'ghijklmnop')),
    jsonb_build_array(jsonb_build_object(
        'address', 'person' || g || '@example.com', 'label', 'work', 'primary', true)),
    '[{"number": "+44 113 496 0000", "label": "work", "primary": true}]'::jsonb,
    'User Researcher',
    orgs.id,
    'Leeds',
    NULL,
    '[]'::jsonb,
    'referral',
    NULL,
    (ARRAY['identified','contacted','responded','interviewed','in_touch','dormant'])[g % 6 + 1],
    jsonb_build_array('bench', 'cohort-' || (g % 10)),
    'Met at a meetup.',
    true,
    NULL,
    now() - make_interval(days => g % 90),
    NULL,
    lower('Given' || g || E'\\n' || translate(substr(md5('f' || g), 1, 9), '0123456789', 'ghijklmnop')
        || E'\\n' || 'Given' || g || ' '
        || translate(substr(md5('f' || g), 1, 9), '0123456789', 'ghijklmnop')
        || E'\\n' || 'person' || g || '@example.com'
        || E'\\n' || 'User Researcher' || E'\\n' || 'Met at a meetup.'),
    timestamptz '2024-01-01' + make_interval(secs => g),
    timestamptz '2024-01-01' + make_interval(secs => g)
FROM generate_series(1, $2) AS g
JOIN orgs ON orgs.n = g % $3
"""

_SEED_ORGS = """
INSERT INTO organisations (
    id, workspace_id, name, name_key, website, industry, size, location, is_target,
    target_rank, why_interested, culture, strengths, recent_news, competitors,
    position_in_field, notes, tags, search_text, created_at, updated_at
)
SELECT
    'org_' || lpad(to_hex(1700000000000 + g), 12, '0') || '7' || substr(md5('o' || g), 1, 3)
        || '8' || substr(md5('o' || g), 4, 15),
    $1, 'Organisation ' || g, 'organisation ' || g, NULL, 'Technology', NULL, 'Leeds', false,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '["bench"]'::jsonb,
    'organisation ' || g || E'\\ntechnology\\nleeds',
    timestamptz '2024-01-01' + make_interval(secs => g),
    timestamptz '2024-01-01' + make_interval(secs => g)
FROM generate_series(1, $2) AS g
"""


async def seed_big(url: str) -> dict[str, Any]:
    """A fresh workspace (with its API key) filled with BIG people in one statement."""
    fixture = await seed(url, n_people=0, n_orgs=0, n_interviews=0)
    database = Database(url, pool_size=1)
    await database.connect()
    try:
        assert database.pool is not None
        async with database.pool.connection() as conn:
            started = time.perf_counter()
            await conn.execute(_SEED_ORGS, fixture["workspace_id"], ORGANISATIONS)
            await conn.execute(_SEED_BIG, fixture["workspace_id"], BIG, ORGANISATIONS)
        # Each row with the JSON document its service stores when it writes one, so both
        # workspaces are read the way rows written through the API are.
        await store_missing(database, batch=5000)
        async with database.pool.connection() as conn:
            await conn.execute("VACUUM ANALYZE people")
            await conn.execute("VACUUM ANALYZE organisations")
            fixture["seed_seconds"] = round(time.perf_counter() - started, 1)
            fixture["organisation_id"] = await conn.fetchval(
                "SELECT organisation_id FROM people WHERE workspace_id = $1 LIMIT 1",
                fixture["workspace_id"],
            )
            fixture["family_name"] = await conn.fetchval(
                "SELECT family_name FROM people WHERE workspace_id = $1 AND given_name = $2",
                fixture["workspace_id"],
                f"Given{BIG // 2}",
            )
            fixture["given_name"] = f"Given{BIG // 2}"
    finally:
        await database.close()
    return fixture


class _Explaining(Db):
    """A Db handle that EXPLAINs each statement the service runs instead of running it."""

    dialect_name = "postgresql"

    def __init__(self, database: Database) -> None:
        self._database = database
        self._after_commit = None
        self.plans: list[str] = []

    async def _run(
        self, stmt: Any, params: Params | None, raw: bool = False, rows: bool = True
    ) -> tuple[list[Row], int]:
        assert self._database.pool is not None
        assert self._database.pg_statements is not None
        sql, args, _ = self._database.pg_statements.bind(stmt, params)
        async with self._database.pool.connection() as conn:
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, *args)
        self.plans.append("\n".join(r[0] for r in plan))
        return [], 0


# (label, query parameters, held to the 2x target). The last two are reported for what they
# show about `q` (a pg_trgm GIN index), not held to the target: a term whose every trigram is in
# most rows ("given…", like every seeded given name), and a term in every row.
def _queries(fixture: dict[str, Any]) -> list[tuple[str, dict[str, str], bool]]:
    return [
        ("first page", {}, True),
        (f"page {DEPTH} (cursor)", {"cursor": fixture["deep_cursor"]}, True),
        ("filter: organisation", {"organisation_id": fixture["organisation_id"]}, True),
        ("filter: tag (1 in 10)", {"tag": "cohort-3"}, True),
        ("search: q=<a family name>, one match", {"q": fixture["family_name"].lower()}, True),
        ("search: q=<a given name>, one match", {"q": fixture["given_name"].lower()}, False),
        ("search: q=researcher, every row", {"q": "researcher"}, False),
    ]


def _median_ms(client: httpx.Client, url: str, params: dict[str, str]) -> float:
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        response = client.get(url, params={"limit": "20", **params})
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return statistics.median(timings)


def _cursor_at(client: httpx.Client, url: str, depth: int) -> str:
    """The cursor of page `depth`, reached by following `next_cursor` from the first page."""
    cursor: str | None = None
    for page in range(1, depth):
        params = {"limit": "20"} | ({"cursor": cursor} if cursor else {})
        body = client.get(url, params=params).json()
        cursor = body["next_cursor"]
        if cursor is None:
            raise RuntimeError(f"only {page} pages")
    assert cursor is not None
    return cursor


async def _explain(url: str, fixture: dict[str, Any], params: dict[str, str]) -> str:
    database = Database(url, pool_size=1)
    await database.connect()
    try:
        db = _Explaining(database)
        order = people_service.ORDERS[people_service.DEFAULT_SORT]
        filters = PersonFilters(
            organisation_id=params.get("organisation_id"),
            tag=params.get("tag"),
            q=params.get("q"),
        )
        await people_service.list_people(
            db,
            workspace_id=fixture["workspace_id"],
            filters=filters,
            order=order,
            cursor=params.get("cursor"),
            limit=20,
        )
        return db.plans[0]
    finally:
        await database.close()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("bench/scale runs on PostgreSQL: scripts/with-postgres python -m bench.scale")
    env = {
        **os.environ,
        "RAPPORT_ENV": "production",
        "RAPPORT_SECRET_KEY": secrets.token_hex(32),  # production refuses a guessable key
        "RAPPORT_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True
    )
    small = asyncio.run(seed(url))
    small["organisation_id"] = None
    big = asyncio.run(seed_big(url))
    print(f"seeded {BIG:,} people in {big['seed_seconds']} s", flush=True)
    port = free_port()
    server = serve("app.main:app", port, env)
    results: list[tuple[str, float, float, bool]] = []
    plans: list[tuple[str, str]] = []
    try:
        workspaces = {"small": small, "big": big}
        clients: dict[str, httpx.Client] = {}
        for name, fixture in workspaces.items():
            client = clients[name] = httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {fixture['api_key']}"},
                timeout=30,
            )
            people_url = f"/v1/workspaces/{fixture['workspace_id']}/people"
            if fixture["organisation_id"] is None:
                fixture["organisation_id"] = client.get(people_url).json()["data"][0][
                    "organisation_id"
                ]
                first = client.get(people_url).json()["data"][0]
                fixture["family_name"] = first["family_name"]
                fixture["given_name"] = first["given_name"]
            # The small workspace has 50 pages: its deep page is page 25.
            depth = DEPTH if name == "big" else 25
            started = time.perf_counter()
            fixture["deep_cursor"] = _cursor_at(client, people_url, depth)
            print(f"{name}: page {depth} after {time.perf_counter() - started:.1f} s", flush=True)
        for index, (label, _, targeted) in enumerate(_queries(small)):
            medians = []
            for name, fixture in workspaces.items():
                params = _queries(fixture)[index][1]
                people_url = f"/v1/workspaces/{fixture['workspace_id']}/people"
                _median_ms(clients[name], people_url, params)  # warm-up
                medians.append(_median_ms(clients[name], people_url, params))
            results.append((label, medians[0], medians[1], targeted))
            print(f"{label}: {medians[0]:.2f} ms vs {medians[1]:.2f} ms", flush=True)
            big_params = _queries(big)[index][1]
            plans.append((label, asyncio.run(_explain(url, big, big_params))))
    finally:
        server.terminate()
        server.wait(timeout=10)
    RESULTS.write_text(_report(results, plans, big["seed_seconds"]))
    print(f"wrote {RESULTS}")


def _report(
    results: list[tuple[str, float, float, bool]],
    plans: list[tuple[str, str]],
    seed_seconds: float,
) -> str:
    lines = [
        "# Scale benchmark: latest run",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores; "
        "PostgreSQL 15 (throwaway cluster, stock settings but fsync off); one uvicorn worker.",
        versions() + ".",
        "",
        f"Two workspaces in one database: 1,000 people (bench/fixture.py) and {BIG:,} people over "
        f"{ORGANISATIONS:,} organisations (seeded in {seed_seconds} s: one INSERT … SELECT, then the rows' stored documents by `app.documents`). "
        f"Median of {SAMPLES} sequential requests (`limit=20`, API key, caller cached), after "
        "as many to warm up. The deep page is page 1,000 of the big workspace (reached by "
        "following 999 cursors) and page 25 of the small one (it has 50).",
        "",
        "| query | 1,000 people p50 ms | 1,000,000 people p50 ms | ratio (target ≤ 2) |",
        "|---|---:|---:|---:|",
    ]
    for label, small, big, targeted in results:
        shown = f"{big / small:.2f}" + ("" if targeted else " (no target)")
        lines.append(f"| {label} | {small:.2f} | {big:.2f} | {shown} |")
    lines += [
        "",
        "Rows marked *no target* show the limits of `q` (a pg_trgm GIN index over the whole "
        "table): a term made only of trigrams that most rows share (every seeded given name "
        "is `Given<n>`) makes the index intersect long posting lists; a term in every row is "
        "read through the sort's index and stops after one page.",
    ]
    lines += ["", "## Plans in the big workspace (EXPLAIN ANALYZE of the service's statements)", ""]
    for label, plan in plans:
        lines += [f"### {label}", "", "```", plan, "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
