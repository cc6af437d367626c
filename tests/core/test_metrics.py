"""/metrics: Prometheus text for operators holding the configured token, and nobody else."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from pydantic import SecretStr

from app.core.metrics import _BUCKETS, Metrics
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import assert_problem, bearer, client_for


async def test_metrics_need_the_token_and_count_requests_by_route() -> None:
    app = create_app(Settings(metrics_token=SecretStr("scrape-me")))
    async with app.router.lifespan_context(app), client_for(app) as client:
        await client.get("/healthz")
        await client.get("/v1/workspaces/wsp_nothing")
        await client.get("/no/such/path/12345")
        assert_problem(await client.get("/metrics"), 401, "unauthenticated")
        assert_problem(
            await client.get("/metrics", headers=bearer("wrong")), 401, "unauthenticated"
        )
        response = await client.get("/metrics", headers=bearer("scrape-me"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'rapport_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="/v1/workspaces/{workspace_id}",status="401"' in text
    assert 'route="unmatched",status="404"' in text
    assert "/no/such/path" not in text
    assert "rapport_http_request_duration_seconds_bucket" in text
    assert 'rapport_db_pool_connections{state="max"}' in text
    assert "rapport_db_statements_total" in text


async def test_metrics_are_off_without_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/metrics", headers=bearer("anything")), 404, "not_found")


def samples(text: bytes) -> list[str]:
    return sorted(
        line
        for line in text.decode().splitlines()
        if line.startswith("rapport_http") and "_created" not in line
    )


def test_request_series_are_written_as_prometheus_client_writes_them() -> None:
    """The request counter and latency histogram are kept as plain numbers; scraped, they read
    exactly as prometheus-client's own Counter and Histogram would for the same requests."""
    metrics = Metrics()
    reference = CollectorRegistry()
    counter = Counter(
        "rapport_http_requests",
        "HTTP requests by route template and status.",
        ["method", "route", "status"],
        registry=reference,
    )
    histogram = Histogram(
        "rapport_http_request_duration_seconds",
        "Time to answer, by route template.",
        ["method", "route"],
        buckets=_BUCKETS,
        registry=reference,
    )
    observed = [
        ("GET", "/a", 200, 0.001),  # on a bound: counted in that bucket
        ("GET", "/a", 200, 0.0011),
        ("GET", "/a", 404, 0.3),
        ("POST", "/a", 201, 7.5),  # past the last bound: +Inf only
        ("GET", None, 404, 0.0),
    ]
    for method, route, status, seconds in observed:
        metrics.observe(method, route, status, seconds)
        counter.labels(method, route or "unmatched", str(status)).inc()
        histogram.labels(method, route or "unmatched").observe(seconds)

    ours = samples(metrics.render())
    assert ours == samples(generate_latest(reference))
    assert (
        'rapport_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/a"} 1.0'
        in ours
    )


def worker(pid: int) -> Metrics:
    """The metrics of a worker with that pid, in multiprocess mode (PROMETHEUS_MULTIPROC_DIR)."""
    return Metrics(values.MultiProcessValue(lambda: pid))  # type: ignore[no-untyped-call]


def test_a_scrape_of_any_worker_shows_the_sum_of_all_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers' figures, each copied into its own files, read exactly as one process that
    answered every request would show them (tests/core/test_metrics_workers.py runs uvicorn)."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    workers, alone = [worker(101), worker(102)], Metrics()
    # Binary fractions, so that the latency sums are the same whichever worker adds what.
    observed = [
        ("GET", "/a", 200, 2**-10),
        ("GET", "/a", 200, 2**-9),
        ("GET", "/a", 404, 0.25),  # on a bound
        ("POST", "/a", 201, 7.5),  # past the last bound
        ("GET", None, 404, 0.0),
        ("GET", "/a", 200, 0.5),
        ("GET", "/b", 200, 0.5),
    ]
    for number, (method, route, status, seconds) in enumerate(observed):
        workers[number % 2].observe(method, route, status, seconds)
        alone.observe(method, route, status, seconds)
    workers[1].render()  # a worker copies its own figures when scraped (and every second)
    expected = samples(alone.render())
    assert samples(workers[0].render()) == expected
    assert samples(workers[1].render()) == expected
    assert 'rapport_http_requests_total{method="GET",route="/a",status="200"} 3.0' in expected


def test_a_worker_given_an_earlier_workers_pid_continues_its_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker files outlive their workers (a restarted worker's counts stay in the sums), so a
    new worker that gets a dead one's pid finds its files: its counters must go on from there."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    first = worker(7)
    first.observe("GET", "/a", 200, 0.5)
    first.render()
    second = worker(7)
    second.observe("GET", "/a", 200, 0.5)
    text = second.render().decode()
    assert 'rapport_http_requests_total{method="GET",route="/a",status="200"} 2.0' in text
    assert (
        'rapport_http_request_duration_seconds_bucket{le="0.5",method="GET",route="/a"} 2.0' in text
    )
    assert 'rapport_http_request_duration_seconds_sum{method="GET",route="/a"} 1.0' in text
