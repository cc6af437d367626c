"""Outermost ASGI middleware: request ids, headers every response carries, body size limit, one
log line, and the 500 net."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PayloadTooLarge, problem_response
from app.core.ids import new_id
from app.core.logging import request_line
from app.core.metrics import Metrics
from app.core.rate_limits import RATE_LIMIT, RateLimits, Verdict, count_address, rate_limited

log = logging.getLogger("rapport.http")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
# What an answer to a credential is for: that caller alone, kept by no cache (a shared one
# would serve it to the next client, a browser's would keep it on disk). A client may still
# revalidate what it holds: ETag and If-None-Match work as before.
_PRIVATE = (b"cache-control", b"private, no-store")


class RequestContextMiddleware:
    """Gives each request an id, limits its body, logs it once and turns crashes into 500s."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, metrics: Metrics, rate_limits: RateLimits
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self.rate_limits = rate_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _CLIENT_REQUEST_ID.match(given) else new_id("req")
        authenticated = b"authorization" in headers
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        response_started = False
        too_large = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if too_large:
                # The app answered a body cut short by the limit (FastAPI calls that a parse
                # error); the client is owed a 413 instead, sent once.
                if message["type"] == "http.response.start" and not response_started:
                    await self._send_problem(scope, send_with_id_unchecked, 413, request_id)
                return
            await send_with_id_unchecked(message)

        async def send_with_id_unchecked(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                sent = message.get("headers", [])
                message["headers"] = [*sent, (b"x-request-id", request_id.encode()), _NOSNIFF]
                verdict = state.get(RATE_LIMIT)
                if verdict is None and RATE_LIMIT not in state:
                    # Not counted yet: a credential that was refused, a path that does not
                    # exist. Such a request counts against its client address.
                    verdict = await count_address(self.rate_limits, scope)
                if verdict is not None:
                    message["headers"] += verdict.headers()
                # A route's own Cache-Control (no-store on a secret shown once) is kept.
                if authenticated and not any(name == b"cache-control" for name, _ in sent):
                    message["headers"].append(_PRIVATE)
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise PayloadTooLarge(self._too_large())
            return message

        try:
            if not authenticated:
                # Without a credential a request counts against its client address, before
                # it runs.
                verdict = await count_address(self.rate_limits, scope)
                if verdict is not None and not verdict.allowed:
                    await self._send_problem(
                        scope, send_with_id_unchecked, 429, request_id, verdict
                    )
                    return
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                await self._send_problem(scope, send_with_id_unchecked, 413, request_id)
                return
            await self.app(scope, limited_receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"request_id": request_id})
            if not response_started:
                await self._send_problem(scope, send_with_id_unchecked, 500, request_id)
        finally:
            route = getattr(scope.get("route"), "path", None)
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], route, status, elapsed)
            request_line(
                log,
                {
                    "method": scope["method"],
                    "route": route,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "request_id": request_id,
                    "workspace": state.get("workspace_id"),
                },
            )

    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_body_bytes} bytes."

    async def _send_problem(
        self,
        scope: Scope,
        send: Send,
        status: int,
        request_id: str,
        verdict: Verdict | None = None,
    ) -> None:
        headers: dict[str, str] = {}
        if status == 413:
            code, detail = "payload_too_large", self._too_large()
        elif status == 429 and verdict is not None:
            code, detail = "rate_limited", rate_limited(verdict)
            headers["Retry-After"] = str(max(1, verdict.reset_after))
        else:
            code, detail = (
                "internal_error",
                "The server failed; quote the request_id if you report it.",
            )
        response = problem_response(
            scope["path"], request_id, status, code, detail, headers=headers
        )
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
