"""Keys and the responses kept under them, with no knowledge of HTTP: `claim` before a keyed
request runs (in its transaction), `record` after it, in the same transaction, so that a write
and its key commit together or not at all."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
)

from app.core.db import Database, Db, utcnow
from app.core.errors import Conflict, ValidationFailed
from app.idempotency.models import NO_WORKSPACE, idempotency_keys

log = logging.getLogger("rapport.idempotency")

# How long a key and its response are kept (docs/api.md).
KEPT_FOR = timedelta(hours=24)
# Expired keys are deleted by each process this often, this many a transaction.
PURGE_EVERY_SECONDS = 300.0
PURGE_BATCH = 1_000
# PostgreSQL's advisory locks of keys in flight: the two-integer form, whose key space does not
# meet the one-bigint form's; this first integer is Rapport's for idempotency keys.
_LOCK_CLASS = 0x1D3


@dataclass(frozen=True, slots=True)
class KeyOf:
    """Whose key, where: the credential that sent it, the workspace acted in, the key."""

    credential_id: str
    workspace_id: str | None
    key: str

    @property
    def scope(self) -> str:
        return self.workspace_id or NO_WORKSPACE

    @property
    def identity(self) -> bytes:
        # A key is printable ASCII: the unit separator cannot occur in it.
        return f"{self.credential_id}\x1f{self.scope}\x1f{self.key}".encode()


@dataclass(frozen=True, slots=True)
class Stored:
    """A response kept under a key."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Sealer:
    """Seals the kept responses (AES-256-GCM, the key's identity as associated data) with a key
    derived from the server's secret: a response can carry a secret shown once (an API key's) or
    tokens, which the database must never hold in the clear. A response sealed under another
    secret (RAPPORT_SECRET_KEY changed since) does not open."""

    def __init__(self, secret: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"rapport idempotent responses"
        ).derive(secret.encode())
        self._aead = AESGCM(derived)

    def seal(self, identity: bytes, stored: Stored) -> bytes:
        plain = orjson.dumps(stored.headers) + b"\n" + stored.body
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plain, identity)

    def open(self, identity: bytes, status: int, sealed: bytes) -> Stored | None:
        try:
            plain = self._aead.decrypt(sealed[:12], sealed[12:], identity)
        except InvalidTag:
            return None
        headers, _, body = plain.partition(b"\n")
        return Stored(status, [(name, value) for name, value in orjson.loads(headers)], body)


def _this(of: KeyOf) -> ColumnElement[bool]:
    c = idempotency_keys.c
    return and_(c.credential_id == of.credential_id, c.scope == of.scope, c.key == of.key)


async def claim(
    db: Db, *, of: KeyOf, fingerprint: str, now: datetime, sealer: Sealer
) -> Stored | None:
    """Hold `of` for the rest of the transaction and answer the response kept under it, if any.

    Another request holding the key (its transaction open) is a 409
    `idempotency_request_in_progress`; a kept response of another request (`fingerprint`) is a
    422 `idempotency_key_reused`. On PostgreSQL the hold is a transaction-scoped advisory lock,
    taken alone before the read: a statement reads the data committed when it starts, so a
    read in the lock's own statement could miss the response of a request that committed while
    the statement waited. On SQLite the transaction holds the database's write lock already
    (BEGIN IMMEDIATE), so requests with one key run one after the other and the later replays."""
    if db.dialect_name == "postgresql":
        held = await db.scalar(
            select(
                func.pg_try_advisory_xact_lock(
                    literal(_LOCK_CLASS), func.hashtext(bindparam("identity"))
                )
            ),
            {"identity": of.identity.decode()},
        )
        if not held:
            raise Conflict(
                "A request with this Idempotency-Key is still running; retry once it has answered.",
                code="idempotency_request_in_progress",
            )
    c = idempotency_keys.c
    row = await db.first(select(c.fingerprint, c.status, c.response, c.expires_at).where(_this(of)))
    if row is None or row["expires_at"] <= now:
        return None
    if row["fingerprint"] != fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was used for another request (another method, path, query or "
            "body); use a new key for a new request.",
            code="idempotency_key_reused",
        )
    stored = sealer.open(of.identity, row["status"], row["response"])
    if stored is None:
        raise Conflict(
            "This Idempotency-Key's request was done, but its answer can no longer be read "
            "(the server's secret key changed since); use a new key to send it again.",
            code="idempotency_key_unusable",
        )
    return stored


async def record(
    db: Db, *, of: KeyOf, fingerprint: str, stored: Stored, now: datetime, sealer: Sealer
) -> None:
    """Keep `stored` under `of` until `now + KEPT_FOR`, in the caller's transaction (the key's
    expired answer, if it had one, goes first). Other expired keys are `purge_expired`'s: a
    request deleting rows beyond its own could wait on, or deadlock with, another doing so."""
    await db.execute(
        delete(idempotency_keys).where(_this(of), idempotency_keys.c.expires_at <= now)
    )
    await db.execute(
        insert(idempotency_keys).values(
            credential_id=of.credential_id,
            scope=of.scope,
            key=of.key,
            workspace_id=of.workspace_id,
            fingerprint=fingerprint,
            status=stored.status,
            response=sealer.seal(of.identity, stored),
            created_at=now,
            expires_at=now + KEPT_FOR,
        )
    )


async def purge_expired(db: Db, *, now: datetime, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` expired keys, the oldest first; rows another transaction holds
    are left for the next time (SKIP LOCKED on PostgreSQL), so purges in several processes
    never wait on each other."""
    c = idempotency_keys.c
    expired = (
        select(c.credential_id, c.scope, c.key)
        .where(c.expires_at <= now)
        .order_by(c.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return await db.execute(
        delete(idempotency_keys).where(tuple_(c.credential_id, c.scope, c.key).in_(expired))
    )


async def keep_purging(database: Database, *, every_seconds: float = PURGE_EVERY_SECONDS) -> None:
    """Run by each app process for its lifetime: purge expired keys at start, then every
    `every_seconds`, batch after batch until none is left. A failure (the database away) is
    logged and tried again next time."""
    while True:
        try:
            while True:
                async with database.transaction() as db:
                    purged = await purge_expired(db, now=utcnow())
                if purged < PURGE_BATCH:
                    break
        except Exception:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # Cancelled mid-statement (the app stopping): the error is the cancellation's
                # consequence, and the cancellation must go on.
                raise asyncio.CancelledError from None
            log.warning("purging expired idempotency keys failed", exc_info=True)
        await asyncio.sleep(every_seconds)
