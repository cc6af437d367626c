"""The per-request log line: written by the handler itself when it is the only destination,
through a `LogRecord` otherwise, and the same line either way."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest

from app.core.logging import JsonFormatter, JsonLineHandler
from tests.conftest import Account

VARYING = {"time", "duration_ms", "request_id"}


@contextmanager
def handlers(*attached: logging.Handler) -> Iterator[None]:
    """`attached` as the `rapport` logger's handlers (INFO) for the duration."""
    logger = logging.getLogger("rapport")
    previous, level = list(logger.handlers), logger.level
    logger.handlers[:] = list(attached)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.handlers[:] = previous
        logger.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def steady(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k not in VARYING}


class Counting(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def filter(self, record: logging.LogRecord) -> bool:
        self.seen += 1
        return True


async def test_the_direct_line_is_the_record_line(
    client: httpx.AsyncClient, owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}/people?limit=1"
    http = logging.getLogger("rapport.http")
    records: list[logging.LogRecord] = []

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        records.append(logging.Logger.makeRecord(http, *args, **kwargs))
        return records[-1]

    monkeypatch.setattr(http, "makeRecord", make_record)
    direct = io.StringIO()
    with handlers(JsonLineHandler(direct)):
        response = await client.get(url, headers=owner.headers)
    assert records == [], "the sole handler writes the line without a record"
    (written,) = lines(direct)
    assert written["request_id"] == response.headers["x-request-id"]
    assert written["time"].endswith("Z")
    assert len(written["time"]) == len("2026-01-01T00:00:00.000Z")

    # A second handler (or a filter) sends the line through a LogRecord: same line, both places.
    recorded, other = io.StringIO(), io.StringIO()
    plain = logging.StreamHandler(other)
    plain.setFormatter(JsonFormatter())
    with handlers(JsonLineHandler(recorded), plain):
        await client.get(url, headers=owner.headers)
    assert len(records) == 1
    (through_record,) = lines(recorded)
    assert lines(other) == [through_record]
    assert steady(through_record) == steady(written)
    assert list(through_record) == list(written)
    assert steady(written) == {
        "level": "info",
        "logger": "rapport.http",
        "message": "request",
        "method": "GET",
        "route": "/v1/workspaces/{workspace_id}/people",
        "path": f"/v1/workspaces/{owner.workspace_id}/people",
        "status": 200,
        "workspace": owner.workspace_id,
    }


async def test_filters_and_levels_still_apply(client: httpx.AsyncClient, owner: Account) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    stream = io.StringIO()
    handler = JsonLineHandler(stream)
    counting = Counting()
    http = logging.getLogger("rapport.http")
    with handlers(handler):
        http.addFilter(counting)
        try:
            await client.get(url, headers=owner.headers)
        finally:
            http.removeFilter(counting)
        assert counting.seen == 1
        assert len(lines(stream)) == 1

        handler.addFilter(lambda record: False)
        await client.get(url, headers=owner.headers)
        assert len(lines(stream)) == 1, "the handler's filter dropped the line"
        handler.filters.clear()

        handler.setLevel(logging.WARNING)
        await client.get(url, headers=owner.headers)
        assert len(lines(stream)) == 1, "the handler's level dropped the line"
        handler.setLevel(logging.NOTSET)

        await client.get(url, headers=owner.headers)
        assert len(lines(stream)) == 2
