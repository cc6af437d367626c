"""The committed OpenAPI document is exactly what the app serves, and reads well for SDKs."""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson

from app.openapi_export import render
from tests.conftest import ROOT

METHODS = {"get", "post", "patch", "put", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_document_matches_the_app() -> None:
    committed = (ROOT / "openapi" / "openapi.json").read_bytes()
    assert committed == render(), "openapi/openapi.json is stale: run `make openapi`"


def test_operation_ids_are_resource_action_and_unique(app: Any) -> None:
    operations = _operations(app.openapi())
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations:
        assert re.fullmatch(r"[a-z_]+_[a-z_]+", operation["operationId"]), (path, method)
        assert len(operation["tags"]) == 1, (path, method)
        assert operation.get("summary"), (path, method)


def test_errors_are_documented_as_problems(app: Any) -> None:
    document = app.openapi()
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        assert "500" in responses, (path, method)
        for status, response in responses.items():
            if status[0] in "45":
                content = response["content"]
                assert list(content) == ["application/problem+json"], (path, method, status)
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
        if "{" in path:
            assert "404" in responses, (path, method)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_bodies_and_responses_are_named_schemas(app: Any) -> None:
    for path, method, operation in _operations(app.openapi()):
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                if "json" not in media_type:
                    continue  # /metrics answers Prometheus text
                schema = media["schema"]
                assert "$ref" in schema, (path, method, status, schema)
        body = operation.get("requestBody")
        if body is not None:
            for media in body["content"].values():
                assert "$ref" in media["schema"], (path, method)


def test_security_schemes_cover_users_and_api_keys(app: Any) -> None:
    schemes = app.openapi()["components"]["securitySchemes"]
    assert schemes["UserToken"]["type"] == "oauth2"
    assert schemes["UserToken"]["flows"]["password"]["tokenUrl"] == "/v1/auth/token"
    assert schemes["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["ApiKey"]["description"],
    }


async def test_served_document_equals_committed(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    committed = orjson.loads((ROOT / "openapi" / "openapi.json").read_bytes())
    assert served == committed


async def test_docs_work_offline(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "cdn" not in html.lower(), page
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), asset
            response = await client.get(asset)
            assert response.status_code == 200, asset
            assert len(response.content) > 1000, asset
