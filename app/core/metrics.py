"""Prometheus metrics: requests and latency per route template and status, and database use.

Served at `/metrics` when `RAPPORT_METRICS_TOKEN` is set, to callers presenting that token.
"""

from __future__ import annotations

import bisect
import hmac
import itertools
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from app.core.db import Database

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# The buckets' `le` labels as prometheus-client writes them ("0.001", "1.0", "+Inf").
_BOUNDS = [floatToGoString(bound) for bound in (*_BUCKETS, float("inf"))]  # type: ignore[no-untyped-call]


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


class _Latency:
    """One route's latency histogram: counts per bucket (the last is +Inf) and their sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BUCKETS) + 1)
        self.total = 0.0


class _Series:
    """One method, route template and status: its request count, and its route's latency."""

    __slots__ = ("count", "latency")

    def __init__(self, latency: _Latency) -> None:
        self.count = 0
        self.latency = latency


class _HttpCollector(Collector):
    """Request counts and latency, kept as plain numbers and written out when scraped.

    prometheus-client's `Counter.inc` and `Histogram.observe` take a lock per value they
    change: about 20,000 instructions a request, 3 % of a one-person read (issue 11). The
    app's requests all run on its event loop thread, as does the scrape, so plain integers
    are enough; the exposition is prometheus-client's, from these families."""

    def __init__(self) -> None:
        self.series: dict[tuple[str, str, int], _Series] = {}
        self.latency: dict[tuple[str, str], _Latency] = {}

    def collect(self) -> Iterator[Any]:
        requests = CounterMetricFamily(
            "rapport_http_requests",
            "HTTP requests by route template and status.",
            labels=["method", "route", "status"],
        )
        for (method, route, status), series in self.series.items():
            requests.add_metric([method, route, str(status)], series.count)
        yield requests
        latency = HistogramMetricFamily(
            "rapport_http_request_duration_seconds",
            "Time to answer, by route template.",
            labels=["method", "route"],
        )
        for (method, route), histogram in self.latency.items():
            cumulative = list(itertools.accumulate(histogram.counts))
            latency.add_metric(
                [method, route],
                buckets=list(zip(_BOUNDS, cumulative, strict=True)),
                sum_value=histogram.total,
            )
        yield latency


class Metrics:
    """One registry per app (not the global one), so app instances never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._http = _HttpCollector()
        self.registry.register(self._http)

    def watch(self, database: Database) -> None:
        self.registry.register(_DatabaseCollector(database))

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        # Unmatched paths share one label: a scanner must not create a series per URL. The
        # series are bounded: one per method, route template and status.
        key = (method, route or "unmatched", status)
        series = self._http.series.get(key)
        if series is None:
            latency = self._http.latency.setdefault((key[0], key[1]), _Latency())
            series = self._http.series[key] = _Series(latency)
        series.count += 1
        latency = series.latency
        latency.total += seconds
        # `le` buckets: the first bound at or above the value (past the last: +Inf).
        latency.counts[bisect.bisect_left(_BUCKETS, seconds)] += 1

    def render(self) -> bytes:
        return generate_latest(self.registry)


def token_matches(presented: str | None, expected: str) -> bool:
    if not presented or not presented.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(presented[7:].strip().encode(), expected.encode())
