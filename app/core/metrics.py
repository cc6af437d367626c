"""Prometheus metrics: requests and latency per route template and status, and database use.

Served at `/metrics` when `RAPPORT_METRICS_TOKEN` is set, to callers presenting that token.
Under several workers (`make serve`, with `PROMETHEUS_MULTIPROC_DIR`), a scrape of any worker
answers for all of them (`Metrics`).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import glob
import hmac
import itertools
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from app.core.db import Database

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# The buckets' `le` labels as prometheus-client writes them ("0.001", "1.0", "+Inf").
_BOUNDS = [floatToGoString(bound) for bound in (*_BUCKETS, float("inf"))]  # type: ignore[no-untyped-call]
_REQUESTS, _REQUESTS_HELP = "rapport_http_requests", "HTTP requests by route template and status."
_LATENCY, _LATENCY_HELP = (
    "rapport_http_request_duration_seconds",
    "Time to answer, by route template.",
)
_POOL, _POOL_HELP = "rapport_db_pool_connections", "Database connections by state."
_STATEMENTS, _STATEMENTS_HELP = "rapport_db_statements", "SQL statements run."
# How old another worker's figures may be in a scrape (multiprocess mode).
_COPY_SECONDS = 1.0


class _DatabaseCollector(Collector):
    """Reads the pool and statement counters when scraped, so requests pay nothing for them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Any]:
        pool = GaugeMetricFamily(_POOL, _POOL_HELP, labels=["state"])
        for state, value in self.database.pool_status().items():
            pool.add_metric([state], value)
        yield pool
        statements = CounterMetricFamily(_STATEMENTS, _STATEMENTS_HELP)
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
            _REQUESTS, _REQUESTS_HELP, labels=["method", "route", "status"]
        )
        for (method, route, status), series in self.series.items():
            requests.add_metric([method, route, str(status)], series.count)
        yield requests
        latency = HistogramMetricFamily(_LATENCY, _LATENCY_HELP, labels=["method", "route"])
        for (method, route), histogram in self.latency.items():
            cumulative = list(itertools.accumulate(histogram.counts))
            latency.add_metric(
                [method, route],
                buckets=list(zip(_BOUNDS, cumulative, strict=True)),
                sum_value=histogram.total,
            )
        yield latency


class _Mirror:
    """One of this worker's figures, copied into its file in `PROMETHEUS_MULTIPROC_DIR` by a
    value of prometheus-client's multiprocess class (its file, key and format, its writer)."""

    __slots__ = ("base", "value", "written")

    def __init__(self, value_class: Any, *args: Any, **kwargs: Any) -> None:
        self.value = value_class(*args, **kwargs)
        # A worker given the pid of an earlier one finds that one's file and continues its
        # figures, as the library's own metrics would: a counter must not go down.
        self.base: float = self.value.get()
        self.written = 0.0

    def write(self, figure: float) -> None:
        if figure != self.written:
            self.written = figure
            self.value.set(self.base + figure)


class _HttpMirror:
    """The request counts and latency histograms, as prometheus-client's `Counter` and
    `Histogram` keep them in multiprocess mode: the histogram as a value per bucket, not
    cumulative (the collector adds them up), and its sum; every bucket created at once, as
    the library does, so that a scrape shows them all."""

    def __init__(self, value_class: Any, http: _HttpCollector) -> None:
        self.value_class = value_class
        self.http = http
        self.counts: dict[tuple[str, str, int], _Mirror] = {}
        self.latency: dict[tuple[str, str], tuple[_Mirror, list[_Mirror]]] = {}

    def write(self) -> None:
        for key, series in self.http.series.items():
            count = self.counts.get(key)
            if count is None:
                method, route, status = key
                labels = (method, route, str(status))
                count = self.counts[key] = _Mirror(
                    self.value_class,
                    "counter",
                    _REQUESTS,
                    _REQUESTS + "_total",
                    ("method", "route", "status"),
                    labels,
                    _REQUESTS_HELP,
                )
            count.write(series.count)
        for (method, route), histogram in self.http.latency.items():
            mirrors = self.latency.get((method, route))
            if mirrors is None:
                mirrors = self.latency[(method, route)] = self._new_histogram(method, route)
            total, buckets = mirrors
            total.write(histogram.total)
            for bucket, in_bucket in zip(buckets, histogram.counts, strict=True):
                bucket.write(in_bucket)

    def _new_histogram(self, method: str, route: str) -> tuple[_Mirror, list[_Mirror]]:
        name, labels, label_values = _LATENCY, ("method", "route"), (method, route)
        total = _Mirror(
            self.value_class, "histogram", name, name + "_sum", labels, label_values, _LATENCY_HELP
        )
        buckets = [
            _Mirror(
                self.value_class,
                "histogram",
                name,
                name + "_bucket",
                (*labels, "le"),
                (*label_values, bound),
                _LATENCY_HELP,
            )
            for bound in _BOUNDS
        ]
        return total, buckets


class Metrics:
    """One registry per app (not the global one), so app instances never share counters.

    A request's figures are plain numbers in its process (`observe`). With
    `PROMETHEUS_MULTIPROC_DIR` set, prometheus-client's value class is its multiprocess one:
    each worker then copies its figures into its own files in that directory every second
    (and when scraped, and at its exit), and a scrape of any worker reads every worker's files
    and sums them (`MultiProcessCollector`), so the answer does not depend on which worker the
    scrape reached (docs/deploy.md). Written per request instead, the three values a request
    changes cost it 23,600 instructions through the library's values (a lock and a pid each)
    and 13,300 through its mmap'd dict, against 2,800 for `observe` (callgrind); copied once a
    second, they cost a request nothing, and another worker's figures in a scrape are at most
    a second old."""

    def __init__(self, value_class: Any = None) -> None:
        self.registry = CollectorRegistry()
        self._http = _HttpCollector()
        self._value_class = value_class or values.ValueClass
        self._database: Database | None = None
        self._copier: asyncio.Task[None] | None = None
        self._directory: str | None = None
        if getattr(self._value_class, "_multiprocess", False):
            # prometheus-client's own variable (its values read it too), not one of ours.
            self._directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
            MultiProcessCollector(self.registry, self._directory)  # type: ignore[no-untyped-call]
            self._mirror = _HttpMirror(self._value_class, self._http)
            self._statements: _Mirror | None = None
            self._pool: dict[str, Any] = {}
        else:
            self.registry.register(self._http)

    def watch(self, database: Database) -> None:
        """Reports `database`'s pool and statements from now on: at the worker's start, on
        its event loop (the files are the worker's own, named by its pid: not the parent's)."""
        self._database = database
        if self._directory is None:
            self.registry.register(_DatabaseCollector(database))
            return
        _forget_dead_workers(self._directory)
        self._statements = _Mirror(
            self._value_class,
            "counter",
            _STATEMENTS,
            _STATEMENTS + "_total",
            (),
            (),
            _STATEMENTS_HELP,
        )
        self._copy()
        self._copier = asyncio.get_running_loop().create_task(self._copy_every_second())

    async def close(self) -> None:
        """At the worker's exit: its last figures copied, its pool gauges out of the sums."""
        if self._copier is not None:
            self._copier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._copier
            self._copier = None
        if self._directory is not None:
            self._copy()
            mark_process_dead(os.getpid(), self._directory)  # type: ignore[no-untyped-call]

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
        if self._directory is not None:
            _forget_dead_workers(self._directory)
            self._copy()
        return generate_latest(self.registry)

    def _copy(self) -> None:
        """This worker's figures into its files. The pool gauges are `livesum`: summed over
        the workers alive, so that a worker's leave the sums when it exits."""
        database = self._database
        if database is not None and self._statements is not None:
            # Before the requests: whoever sees a request counted sees its statements.
            self._statements.write(database.statement_count)
            for state, connections in database.pool_status().items():
                gauge = self._pool.get(state)
                if gauge is None:
                    gauge = self._pool[state] = self._value_class(
                        "gauge",
                        _POOL,
                        _POOL,
                        ("state",),
                        (state,),
                        _POOL_HELP,
                        multiprocess_mode="livesum",
                    )
                gauge.set(connections)
        self._mirror.write()

    async def _copy_every_second(self) -> None:
        while True:
            await asyncio.sleep(_COPY_SECONDS)
            self._copy()


def _forget_dead_workers(directory: str) -> None:
    """Takes the pool gauges of workers that died without running their exit (killed, or hung
    and killed by uvicorn's supervisor) out of the sums, as their exit would have. The pid is
    the last part of the file's name, as `mark_process_dead` itself globs it."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        pid = os.path.basename(path).removesuffix(".db").rsplit("_", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            mark_process_dead(int(pid), directory)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process, but a live one
        return True
    return True


def token_matches(presented: str | None, expected: str) -> bool:
    if not presented or not presented.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(presented[7:].strip().encode(), expected.encode())
