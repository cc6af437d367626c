"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.core.dependencies import database
from app.core.errors import ProblemError

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    database: str
    revision: str


class NotReady(ProblemError):
    status, code, default_detail = 503, "not_ready", "The service is not ready."


@router.get("/healthz", operation_id="health_live", summary="The process is up")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    operation_id="health_ready",
    summary="The database is reachable and migrated to the code's revision",
    responses={503: {"description": "Database unreachable or not migrated (`not_ready`)."}},
)
async def readyz(request: Request) -> Readiness:
    db = database(request)
    expected: str = request.app.state.schema_head
    try:
        revision = await db.migration_revision()
    except Exception as exc:
        raise NotReady("The database cannot be reached.") from exc
    if revision != expected:
        raise NotReady(f"The database is at revision {revision}, the code expects {expected}.")
    return Readiness(database=db.dialect_name, revision=revision)
