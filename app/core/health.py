"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from starlette.responses import Response

from app.core.dependencies import database
from app.core.errors import NotFound, ProblemError, Unauthenticated
from app.core.metrics import token_matches
from app.core.openapi import METRICS_TOKEN
from app.core.routing import CheckedRoute

router = APIRouter(route_class=CheckedRoute, tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    database: str
    revision: str


class NotReady(ProblemError):
    status, code, default_detail = 503, "not_ready", "The service is not ready."


@router.get(
    "/metrics",
    operation_id="health_metrics",
    summary="Prometheus metrics (needs `Authorization: Bearer <RAPPORT_METRICS_TOKEN>`)",
    description="Requests and latency by route template and status, and database connections and "
    "statements, in the Prometheus text format; under several workers a scrape answers for all of "
    "them. Served only when the server sets `RAPPORT_METRICS_TOKEN` (otherwise 404 `not_found`); "
    "a missing or wrong token is 401 `unauthenticated`.",
    response_class=PlainTextResponse,
    openapi_extra={"security": [{METRICS_TOKEN: []}]},
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format."},
        401: {"description": "Missing or wrong metrics token (`unauthenticated`)."},
        404: {"description": "Metrics are not enabled (`not_found`)."},
    },
)
async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token is None:
        raise NotFound("Metrics are not enabled on this server.")
    if not token_matches(request.headers.get("authorization"), token.get_secret_value()):
        raise Unauthenticated("Send the metrics token as `Authorization: Bearer <token>`.")
    body = request.app.state.metrics.render()
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/healthz",
    operation_id="health_live",
    summary="The process is up",
    description="Answers 200 with `status: ok` whenever the process can serve a request; it "
    "checks nothing else, not even the database, so it suits a liveness probe. No credential is "
    "needed.",
)
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    operation_id="health_ready",
    summary="The database is reachable and migrated to the code's revision",
    description="Answers 200 with the database's dialect and migration revision when the database "
    "answers and is at the revision the code expects; otherwise 503 `not_ready`. Meant for "
    "readiness probes; no credential is needed.",
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
