"""Request-scoped handles that routes declare: the database, for reads or for one transaction;
the If-Match header of conditional writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request

from app.core.db import Database, Db


def database(request: Request) -> Database:
    db = request.app.state.database
    assert isinstance(db, Database)
    return db


async def _read_db(request: Request) -> Db:
    return database(request).reader()


async def _write_db(request: Request) -> AsyncIterator[Db]:
    # scope="function" below: the commit happens before the response is sent, so a failed
    # commit is a 500, never a 201 for data that was not kept.
    async with database(request).transaction() as db:
        yield db


ReadDb = Annotated[Db, Depends(_read_db)]
WriteDb = Annotated[Db, Depends(_write_db, scope="function")]
IfMatch = Annotated[
    str | None, Header(description="Apply only if the ETag still matches (else 412).")
]
