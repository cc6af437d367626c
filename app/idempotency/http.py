"""`Idempotency-Key` on POST routes: the header (declared on each POST operation, validated
before the route runs), the claim a write transaction makes with it (`claimed`), the response
the route answered (`capturing`), and the replay of a kept one.

A keyed POST runs in its write transaction (`app.core.dependencies.WriteDb`) as: claim the key
(409 while another request holds it, 422 if it named another request, the kept response if it
has one), run the route, keep its response under the key, commit. A route that fails (any
error, which rolls its transaction back) keeps nothing: it changed nothing, and a retry runs
again. POST routes that write nothing (rendering a template, linting questions) take the
header and keep nothing; so do `/v1/auth/*`, which have no credential to keep a key for."""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Header, Request
from starlette.responses import Response

from app.core.db import Db, utcnow
from app.idempotency import service
from app.idempotency.models import KEY_MAX
from app.idempotency.service import KeyOf, Sealer, Stored

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# Printable ASCII, spaces inside only: HTTP drops a field value's leading and trailing
# whitespace, so a key cannot start or end with one and arrive as sent.
PATTERN = rf"^[\x21-\x7E](?:[\x20-\x7E]{{0,{KEY_MAX - 2}}}[\x21-\x7E])?$"
DESCRIPTION = (
    "Makes a retry safe: a POST sent again with the same key (1-255 printable ASCII "
    "characters, no space first or last) by the same credential in the same workspace within "
    "24 hours has its effect once, and the retry gets the first answer again with "
    "`Idempotent-Replayed: true`. The same key with another request is 422 "
    "`idempotency_key_reused`; while the first is still running, 409 "
    "`idempotency_request_in_progress`. Only successful answers are kept: a request that "
    "failed changed nothing and runs again. See docs/api.md."
)
# The scope key the header's dependency leaves for the transaction.
_KEY = "rapport.idempotency_key"
# Headers a kept response does not keep: the server writes them for each answer.
_NOT_KEPT = frozenset({"content-length", "date", "server", "x-request-id"})


async def idempotency_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description=DESCRIPTION,
            min_length=1,
            max_length=KEY_MAX,
            pattern=PATTERN,
            examples=["3f1c9a52-8d47-4b8e-9a43-0c2d7e5b6f10"],
        ),
    ] = None,
) -> None:
    """The header, validated (422 at `parameter` Idempotency-Key), for the transaction."""
    if key is not None:
        request.scope[_KEY] = key


@dataclass(slots=True)
class Claim:
    """A keyed request running in its transaction, and what it answered."""

    of: KeyOf
    fingerprint: str
    response: Response | None = None


_RUNNING: ContextVar[Claim | None] = ContextVar("rapport_idempotency_claim", default=None)


class Replayed(Exception):
    """The kept response of a request made before with the same key."""

    def __init__(self, stored: Stored) -> None:
        self.stored = stored


def _fingerprint(request: Request, body: bytes) -> str:
    """What a key names: the method, the path, the query string and the body, JSON by its
    value (another order of members or other spacing is the same request)."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        request.scope["path"].encode(),
        request.scope["query_string"],
    ):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(canonical)
    return digest.hexdigest()


def sealer(request: Request) -> Sealer:
    found = request.app.state.idempotency_sealer
    if not isinstance(found, Sealer):
        raise RuntimeError("The app's idempotency sealer is not set.")
    return found


def keyed(request: Request) -> bool:
    """Whether the request sent a (valid) key."""
    return _KEY in request.scope


@asynccontextmanager
async def claimed(request: Request, db: Db) -> AsyncIterator[Claim | None]:
    """For a write transaction: claim the request's key (if it sent one and has a
    credential), yield the claim while the route runs, then keep what it answered. Raises
    `Replayed` when the key's response is kept already."""
    key = request.scope.get(_KEY)
    state = request.scope.get("state") or {}
    credential = state.get("credential_id")
    if key is None or credential is None or request.method != "POST":
        yield None
        return
    of = KeyOf(credential, state.get("workspace_id"), key)
    fingerprint = _fingerprint(request, await request.body())
    keep = sealer(request)
    stored = await service.claim(db, of=of, fingerprint=fingerprint, now=utcnow(), sealer=keep)
    if stored is not None:
        raise Replayed(stored)
    claim = Claim(of, fingerprint)
    token = _RUNNING.set(claim)
    try:
        yield claim
    finally:
        _RUNNING.reset(token)
    response = claim.response
    if response is None:
        raise RuntimeError(f"{request.url.path}: a keyed POST route answered no Response")
    if response.status_code >= 500:
        return
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in response.raw_headers
        if name.decode("latin-1") not in _NOT_KEPT
    ]
    stored = Stored(response.status_code, headers, bytes(response.body))
    await service.record(
        db, of=of, fingerprint=fingerprint, stored=stored, now=utcnow(), sealer=keep
    )


Endpoint = Callable[..., Awaitable[Any]]


def capturing(handler: Endpoint, status_code: int | None = None) -> Endpoint:
    """A POST route's handler that hands its answer to the request's claim (if keyed). It must
    answer a `Response`, or nothing on a 204 route: a model would be serialised after the
    transaction ends, too late to be kept with the write (refused here, when the route is
    made)."""
    answers = inspect.signature(handler).return_annotation
    nothing = status_code == 204 and answers in (None, "None")
    if answers not in (Response, "Response") and not nothing:
        raise TypeError(
            f"{handler.__name__}: a POST taking Idempotency-Key must answer a Response, "
            f"not {answers!r}"
        )

    @functools.wraps(handler)
    async def keyed(*args: Any, **kwargs: Any) -> Any:
        response = await handler(*args, **kwargs)
        claim = _RUNNING.get()
        if claim is not None:
            claim.response = Response(status_code=204) if nothing else response
        return response

    return keyed


def _replay(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, Replayed):
        raise exc
    stored = exc.stored
    # Content-Length as Starlette writes it for the status (none on a 204).
    response = Response(stored.body, status_code=stored.status)
    response.raw_headers += [
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers),
        (REPLAYED.lower().encode(), b"true"),
    ]
    return response


def install(app: FastAPI, secret: str) -> None:
    app.state.idempotency_sealer = Sealer(secret)
    app.add_exception_handler(Replayed, _replay)
