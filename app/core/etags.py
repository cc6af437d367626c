"""Strong ETags over the exact JSON representation, and the conditional-request checks."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from app.core.errors import PreconditionFailed


def representation(model: BaseModel) -> bytes:
    """The JSON bytes a client receives for `model`; built once and hashed for the ETag."""
    return model.__pydantic_serializer__.to_json(model)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def matches_none(if_none_match: str | None, etag: str) -> bool:
    """False when If-None-Match names the current representation (the client's copy is fresh)."""
    if if_none_match is None:
        return True
    tags = _tags(if_none_match)
    return not ("*" in tags or etag in tags)


def require_match(if_match: str | None, etag: str) -> None:
    """Raise 412 when If-Match is given and names neither `*` nor the current representation."""
    if if_match is None:
        return
    tags = _tags(if_match)
    # If-Match uses the strong comparison (RFC 9110 §13.1.1): weak tags never match.
    strong = [t for t in (s.strip() for s in if_match.split(",")) if not t.startswith("W/")]
    if "*" in tags or etag in strong:
        return
    raise PreconditionFailed()


def require_current(if_match: str | None, current: BaseModel | bytes) -> None:
    """412 unless If-Match (when given) names the ETag of `current`, the stored state (a model,
    or its representation already serialised)."""
    if if_match is None:
        return
    body = current if isinstance(current, bytes) else representation(current)
    require_match(if_match, etag_of(body))
