"""Request-scoped handles that routes declare: the database, for reads or for one transaction;
the If-Match header of conditional writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.datastructures import State

from app.core.db import Database, Db
from app.idempotency.http import claimed, keyed


class AppState(State):
    """The application's `app.state`, whose values are also plain attributes.

    Starlette's `State` keeps them in a dict behind `__getattr__`, which Python calls only once
    the ordinary lookup has failed: every read made and dropped an `AttributeError` (about
    1.5 µs), and a request reads the state six times or more (the database, the caller cache,
    the signing key; issue 11). Set and delete as on `State`; reads find the attribute."""

    def __setattr__(self, key: str, value: object) -> None:
        super().__setattr__(key, value)
        object.__setattr__(self, key, value)

    def __delattr__(self, key: str) -> None:
        super().__delattr__(key)
        object.__delattr__(self, key)


def database(request: Request) -> Database:
    db = request.app.state.database
    if not isinstance(db, Database):
        raise RuntimeError("The app's database is not set: its lifespan has not started.")
    return db


async def _read_db(request: Request) -> Db:
    return database(request).reader()


async def _write_db(request: Request) -> AsyncIterator[Db]:
    # scope="function" below: the commit happens before the response is sent, so a failed
    # commit is a 500, never a 201 for data that was not kept.
    if not keyed(request):
        async with database(request).transaction() as db:
            yield db
        return
    # A POST with an Idempotency-Key: the key is claimed, and the answer kept, in the write's
    # own transaction (app/idempotency/http.py).
    async with database(request).transaction() as db, claimed(request, db):
        yield db


async def _snapshot_db(request: Request) -> AsyncIterator[Db]:
    # scope="function" as for writes: the connection goes back before the response is sent.
    async with database(request).snapshot() as db:
        yield db


ReadDb = Annotated[Db, Depends(_read_db)]
WriteDb = Annotated[Db, Depends(_write_db, scope="function")]
# For a read of several statements that must agree with each other (one snapshot).
SnapshotDb = Annotated[Db, Depends(_snapshot_db, scope="function")]
IfMatch = Annotated[
    str | None, Header(description="Apply only if the ETag still matches (else 412).")
]
