"""Prometheus metrics: requests and latency per route template and status, and database use.

Served at `/metrics` when `RAPPORT_METRICS_TOKEN` is set, to callers presenting that token.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from app.core.db import Database

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _DatabaseCollector(Collector):
    """Reads the pool and statement counters when scraped, so requests pay nothing for them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Any]:
        pool = GaugeMetricFamily(
            "rapport_db_pool_connections", "Database connections by state.", labels=["state"]
        )
        for state, value in self.database.pool_status().items():
            pool.add_metric([state], value)
        yield pool
        statements = CounterMetricFamily(
            "rapport_db_statements", "SQL statements run by this process."
        )
        statements.add_metric([], self.database.statement_count)
        yield statements


class Metrics:
    """One registry per app (not the global one), so app instances never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rapport_http_requests",
            "HTTP requests by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "rapport_http_request_duration_seconds",
            "Time to answer, by route template.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def watch(self, database: Database) -> None:
        self.registry.register(_DatabaseCollector(database))

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        # Unmatched paths share one label: a scanner must not create a series per URL.
        key = (method, route or "unmatched", status)
        series = self._series.get(key)
        if series is None:
            # `labels()` validates and locks on every call; the children it returns are
            # kept, one pair per method, route template and status (a bounded set).
            series = self._series[key] = (
                self.requests.labels(key[0], key[1], str(status)),
                self.latency.labels(key[0], key[1]),
            )
        series[0].inc()
        series[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def token_matches(presented: str | None, expected: str) -> bool:
    if not presented or not presented.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(presented[7:].strip().encode(), expected.encode())
