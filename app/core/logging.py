"""JSON log lines on stdout: one per request, plus errors with their trace."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from typing import Any, TextIO

import orjson

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, milliseconds), level, logger, message, and every
    `extra` field. The time's seconds are formatted once per second, not once per line (a
    request line is written for every request)."""

    _second = -1
    _prefix = ""

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if record.exc_info:
            extra["trace"] = "".join(traceback.format_exception(*record.exc_info))
        line = self.line(record.created, record.levelname, record.name, record.getMessage(), extra)
        return line.decode()

    def line(
        self, created: float, level: str, logger: str, message: str, fields: dict[str, Any]
    ) -> bytes:
        """The JSON line, without a newline, for a record's time, level, logger, message and
        fields."""
        second = int(created)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        millis = int((created - second) * 1000)
        return orjson.dumps(
            {
                "time": f"{self._prefix}.{millis:03d}Z",
                "level": level.lower(),
                "logger": logger,
                "message": message,
                **fields,
            },
            default=str,
        )


class JsonLineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stream handler `configure_logging` installs: JSON lines, and the per-request line
    written without a `LogRecord` (`request_line`)."""

    formatter: JsonFormatter

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())

    def write_line(self, logger: str, message: str, fields: dict[str, Any]) -> None:
        line = self.formatter.line(time.time(), "info", logger, message, fields)
        with self.lock:  # type: ignore[union-attr]
            try:
                self.stream.write(line.decode() + "\n")
                self.stream.flush()
            except Exception:  # noqa: BLE001 - logging must never fail a request
                self.handleError(logging.makeLogRecord({"msg": message, **fields}))


def request_line(logger: logging.Logger, fields: dict[str, Any]) -> None:
    """Log the per-request line at INFO.

    While the logger's records go to `configure_logging`'s handler alone (nothing else attached
    and no filters), the handler writes the line itself: a `LogRecord`, the logging module's
    dispatch and the formatter's walk over the record cost ten times the line (a twentieth of
    a one-person read). Any other set-up gets a record, as `Logger.info` would make it,
    without its search of the call stack for a file and line the line does not show."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _sole_handler(logger)
    if handler is not None:
        handler.write_line(logger.name, "request", fields)
        return
    logger.handle(
        logger.makeRecord(logger.name, logging.INFO, "", 0, "request", (), None, extra=fields)
    )


def _sole_handler(logger: logging.Logger) -> JsonLineHandler | None:
    """The `JsonLineHandler` every INFO record of `logger` would reach and nothing else would,
    or None."""
    found: JsonLineHandler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return None
        for handler in current.handlers:
            if found is not None or type(handler) is not JsonLineHandler or handler.filters:
                return None
            if handler.level > logging.INFO:
                return None
            found = handler
        if not current.propagate:
            break
        current = current.parent
    return found


def configure_logging(level: str) -> None:
    root = logging.getLogger("rapport")
    root.handlers[:] = [JsonLineHandler(sys.stdout)]
    root.setLevel(level.upper())
    root.propagate = False
