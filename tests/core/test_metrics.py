"""/metrics: Prometheus text for operators holding the configured token, and nobody else."""

from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
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

    def samples(text: bytes) -> list[str]:
        return sorted(
            line
            for line in text.decode().splitlines()
            if line.startswith("rapport_http") and "_created" not in line
        )

    ours = samples(metrics.render())
    assert ours == samples(generate_latest(reference))
    assert (
        'rapport_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/a"} 1.0'
        in ours
    )
