"""The document declares the headers and statuses each operation really sends (issue 20):
every read that answers an ETag says so, takes `If-None-Match` and documents its 304; every list
documents its `Link`; every operation that takes `If-Match` documents its 412."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.openapi import NO_ETAG
from tests.conftest import create_api_key
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
        got = await client.get(
            url, params={"limit": 1} if "Link" in str(operation) else None, headers=owner.headers
        )
        assert got.status_code == 200, (route.path, got.text)
        headers = operation["responses"]["200"].get("headers", {})
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
