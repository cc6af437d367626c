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
# What PostgreSQL reports of an error besides its message: names from the schema, which never
# hold a statement's values (the message and DETAIL may: `Key (email)=(…) already exists.`).
_SCHEMA_FIELDS = (
    "sqlstate",
    "schema_name",
    "table_name",
    "column_name",
    "data_type_name",
    "constraint_name",
)
_WITHHELD = "(message withheld: it may repeat a statement's values)"
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, milliseconds), level, logger, message, and every
    `extra` field. The time's seconds are formatted once per second, not once per line (a
    request line is written for every request)."""

    _second = -1
    _prefix = ""

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if record.exc_info and record.exc_info[1] is not None:
            extra["trace"] = format_trace(record.exc_info[1])
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


def format_trace(error: BaseException) -> str:
    """The trace as `traceback.format_exception` writes it, but that an exception of asyncpg,
    and whatever it wraps, shows its type and the schema names PostgreSQL reports instead of
    its message: asyncpg quotes a value it could not encode (`invalid input for query argument
    $1: 'ada@…'`), PostgreSQL one it could not read or that broke a constraint. (On SQLite the
    engine leaves the values out of SQLAlchemy's messages, and SQLite's own name none.)"""
    parts: list[str] = []
    _trace_parts(error, parts, withheld=False, seen=set())
    return "".join(parts)


def _trace_parts(error: BaseException, parts: list[str], *, withheld: bool, seen: set[int]) -> None:
    """The chain up to `error`, causes first, as `traceback.format_exception` orders it."""
    seen.add(id(error))
    withheld = withheld or type(error).__module__.partition(".")[0] == "asyncpg"
    cause, context = error.__cause__, error.__context__
    if cause is not None and id(cause) not in seen:
        _trace_parts(cause, parts, withheld=withheld, seen=seen)
        parts.append(_CAUSE)
    elif context is not None and not error.__suppress_context__ and id(context) not in seen:
        _trace_parts(context, parts, withheld=withheld, seen=seen)
        parts.append(_CONTEXT)
    parts.extend(_withheld(error) if withheld else traceback.format_exception(error, chain=False))


def _withheld(error: BaseException) -> list[str]:
    """`error`'s traceback, and a last line with its type and schema names but no message."""
    lines = []
    if error.__traceback__ is not None:
        lines = ["Traceback (most recent call last):\n", *traceback.format_tb(error.__traceback__)]
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    fields = [
        f"{field}={getattr(error, field)}"
        for field in _SCHEMA_FIELDS
        if getattr(error, field, None)
    ]
    return [*lines, f"{name}: {' '.join([*fields, _WITHHELD])}\n"]


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
