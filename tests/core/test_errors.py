"""Every error is RFC 9457 problem+json with a stable code, whatever produced it."""

from __future__ import annotations

import io
import logging
from typing import Any

import httpx
import orjson
import pytest
from fastapi import APIRouter

from app.core.logging import JsonFormatter
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import Account, assert_problem


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/nowhere"), 404, "not_found")
    assert body["instance"] == "/v1/nowhere"


async def test_wrong_method_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.put("/v1/workspaces"), 405, "method_not_allowed")


async def test_validation_errors_point_into_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/signup", json={"email": "ada@example.com", "password": 5, "name": "A" * 201}
    )
    body = assert_problem(response, 422, "validation_failed")
    pointers = {e["pointer"]: e["code"] for e in body["errors"]}
    assert pointers == {"/password": "string_type", "/name": "string_too_long"}


async def test_query_errors_name_the_parameter(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.get("/v1/workspaces?limit=500", headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["parameter"] == "limit"
    assert "pointer" not in body["errors"][0]


async def test_unknown_query_parameter_is_rejected(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.get("/v1/workspaces?limt=5", headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [
        {"parameter": "limt", "detail": body["errors"][0]["detail"], "code": "unknown_parameter"}
    ]


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/signup", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")


async def test_body_over_the_limit_is_a_413_by_length(client: httpx.AsyncClient) -> None:
    payload = b'{"name": "' + b"x" * (1_048_576 + 10) + b'"}'
    response = await client.post(
        "/v1/auth/signup", content=payload, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


async def test_streamed_body_over_the_limit_is_a_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 65_536
        yield b'"}'

    response = await client.post(
        "/v1/auth/signup", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


async def test_malformed_ids_are_not_found(client: httpx.AsyncClient, owner: Account) -> None:
    for bad in ("nothing", "wsp_xyz", "per_" + "0" * 32, "wsp_" + "0" * 31 + "G"):
        response = await client.get(f"/v1/workspaces/{bad}", headers=owner.headers)
        assert_problem(response, 404, "not_found")


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "client-trace-42"})
    assert given.headers["x-request-id"] == "client-trace-42"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["x-request-id"].startswith("req_")


@pytest.fixture
async def crashing_client() -> Any:
    """An app with one route that fails the way a bug would."""
    app = create_app(Settings())
    boom = APIRouter()

    @boom.get("/boom")
    async def explode() -> dict[str, str]:
        raise RuntimeError("secret internal detail /etc/passwd")

    app.include_router(boom)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as c:
            yield c


async def test_unhandled_errors_are_500_with_only_a_request_id(
    crashing_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("rapport")
    logger.addHandler(caplog.handler)
    try:
        response = await crashing_client.get("/boom")
    finally:
        logger.removeHandler(caplog.handler)
    body = assert_problem(response, 500, "internal_error")
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.exc_info]
    assert logged, "the trace must be logged"
    assert logged[0].__dict__["request_id"] == body["request_id"]


async def test_each_request_logs_one_json_line(client: httpx.AsyncClient, owner: Account) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("rapport")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        response = await client.get(f"/v1/workspaces/{owner.workspace_id}", headers=owner.headers)
    finally:
        logger.setLevel(previous)
        logger.removeHandler(handler)
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert line["message"] == "request"
    assert line["method"] == "GET"
    assert line["route"] == "/v1/workspaces/{workspace_id}"
    assert line["status"] == 200
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["workspace"] == owner.workspace_id
    assert isinstance(line["duration_ms"], float)
