"""The document declares the headers and statuses each operation really sends (issue 20):
every read that answers an ETag says so, takes `If-None-Match` and documents its 304; every list
documents its `Link`; every write declares the `ETag` and `Location` it answers with, and only
those; every operation that takes `If-Match` documents its 412."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.openapi import NO_ETAG
from tests.conftest import PASSWORD, create_api_key
from tests.security import test_data_families as families
from tests.test_response_models import ON_COMPLETED, get_routes

world = families.world


def _operation(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method]
    return operation


async def test_each_read_documents_the_etag_304_and_link_it_sends(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    document = app.openapi()
    owner = world.owner
    key = await create_api_key(client, owner, ["people:read"])
    values = {**world.ids, "workspace_id": owner.workspace_id, "key_id": key["id"]}
    tagged = lists = 0
    wrong: list[tuple[Any, ...]] = []
    for route in get_routes(app):
        if route.operation_id == "health_metrics":
            continue  # Prometheus text, and not served in the tests (no ETag, documented so)
        operation = _operation(document, route.path, "get")
        ids = {**values, "interview_id": world.ids["completed_interview_id"]}
        url = route.path.format(**(ids if route.operation_id in ON_COMPLETED else values))
        headers = operation["responses"]["200"].get("headers", {})
        got = await client.get(
            url, params={"limit": 1} if "Link" in headers else None, headers=owner.headers
        )
        assert got.status_code == 200, (route.path, got.text)
        parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        sends_etag = "etag" in got.headers
        documented = (
            "ETag" in headers,
            "304" in operation["responses"],
            "if-none-match" in parameters,
        )
        if documented != (sends_etag,) * 3:
            wrong.append((route.operation_id, sends_etag, documented))
        if route.operation_id in NO_ETAG:
            assert not sends_etag, route.path
        tagged += sends_etag
        if "link" in got.headers:
            assert "Link" in headers, route.path
            lists += 1
        if "Link" in headers:
            assert "next_cursor" in got.json(), route.path
    assert not wrong
    assert tagged > 15
    assert lists > 5


def test_every_operation_taking_if_match_documents_its_412(app: Any) -> None:
    taking = 0
    for item in app.openapi()["paths"].values():
        for operation in item.values():
            headers = {
                p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"
            }
            assert ("412" in operation["responses"]) is ("if-match" in headers), operation[
                "operationId"
            ]
            taking += "if-match" in headers
    assert taking > 30


# Declared on every response (tests/rate_limits checks them).
EVERYWHERE = {"RateLimit", "RateLimit-Policy"}


def _declared_headers(operation: dict[str, Any]) -> tuple[str, set[str]]:
    """The success status an operation documents and the headers it declares there, but those
    every response declares."""
    status = next(code for code in operation["responses"] if code.startswith("2"))
    return status, set(operation["responses"][status].get("headers", {})) - EVERYWHERE


async def test_each_write_declares_the_etag_and_location_it_sends(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    document = app.openapi()
    owner = world.owner
    writes = families.write_bodies(world)
    wrong: list[tuple[Any, ...]] = []
    checked = 0
    for op in families.key_operations(document):
        if op.method == "patch":
            body, completed = {}, False
        elif op.method == "post" and op.operation_id in writes:
            where, body = writes[op.operation_id]
            completed = where == "completed"
        else:
            continue
        url = families.url_of(op, world, completed=completed)
        response = await client.request(op.method.upper(), url, json=body, headers=owner.headers)
        status, declared = _declared_headers(_operation(document, op.path, op.method))
        # Sent only on a replay (tests/idempotency checks it where it is declared).
        declared.discard("Idempotent-Replayed")
        assert str(response.status_code) == status, (op.operation_id, response.text)
        sent = {name for name in ("ETag", "Location") if name.lower() in response.headers}
        if sent != declared:
            wrong.append((op.operation_id, sent, declared))
        checked += 1
    assert not wrong
    assert checked > 20


async def test_signup_and_a_new_api_key_declare_their_location(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    document = app.openapi()
    signup = await client.post(
        "/v1/auth/signup",
        json={"email": "located@example.com", "name": "Located", "password": PASSWORD},
    )
    key = await client.post(
        f"/v1/workspaces/{world.owner.workspace_id}/api-keys",
        json={"name": "located", "scopes": ["people:read"]},
        headers=world.owner.headers,
    )
    for response, path in (
        (signup, "/v1/auth/signup"),
        (key, "/v1/workspaces/{workspace_id}/api-keys"),
    ):
        status, declared = _declared_headers(_operation(document, path, "post"))
        assert str(response.status_code) == status
        declared.discard("Idempotent-Replayed")  # a replay's, below /v1/auth
        assert declared == {"Location"}
        assert response.headers["location"].startswith("/v1/")
        assert "etag" not in response.headers
