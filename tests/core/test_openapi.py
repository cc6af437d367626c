"""The committed OpenAPI document is exactly what the app serves, and reads well for SDKs."""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson

from app.openapi_export import render
from tests.conftest import ROOT
from tests.request_schemas import component_validator

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


def test_form_fields_are_text_or_absent_never_null(app: Any) -> None:
    """A form cannot send null (`x=null` is the text "null"): form bodies' members have no null
    branch, while the JSON bodies keep theirs."""
    document = app.openapi()
    schemas = document["components"]["schemas"]
    forms = 0
    for _, _, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        media = content.get("application/x-www-form-urlencoded")
        if media is None:
            continue
        forms += 1
        schema = schemas[media["schema"]["$ref"].rpartition("/")[2]]
        for name, member in schema["properties"].items():
            assert "anyOf" not in member, name
            assert member.get("type") == "string", name
            assert member.get("default", "") is not None, name
    assert forms == 2
    assert {"type": "null"} in schemas["PersonCreate"]["properties"]["job_title"]["anyOf"]


async def test_a_form_field_sent_as_text_null_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/revoke", data={"token": "rt_unknown", "token_type_hint": "null"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/token_type_hint"
    # An optional form field sent empty is read as left out, and the document allows it.
    for hint in ({}, {"token_type_hint": "refresh_token"}, {"token_type_hint": ""}):
        answer = await client.post("/v1/auth/revoke", data={"token": "rt_unknown", **hint})
        assert answer.status_code == 200, answer.text


def test_every_cursor_parameter_is_a_non_empty_string(app: Any) -> None:
    cursors = [
        parameter
        for _, _, operation in _operations(app.openapi())
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "cursor"
    ]
    assert len(cursors) > 15
    for parameter in cursors:
        text = next(s for s in parameter["schema"]["anyOf"] if s.get("type") == "string")
        assert (text["minLength"], text["maxLength"]) == (1, 512)


def test_numeric_bounds_use_json_schema_names(app: Any) -> None:
    """Pydantic names a bound it cannot place on the inner type `ge`/`le` (an integer read
    through a validator); JSON Schema, so generators and fuzzers, knows `minimum`/`maximum`."""
    text = orjson.dumps(app.openapi()).decode()
    assert not re.findall(r'"(ge|le|gt|lt)":', text)
    schemas = app.openapi()["components"]["schemas"]
    duration = schemas["InterviewCreate"]["properties"]["duration_minutes"]
    assert (duration["minimum"], duration["maximum"]) == (1, 240)


async def test_a_problem_may_echo_what_the_client_sent_nul_and_all(
    app: Any, client: httpx.AsyncClient
) -> None:
    """An unknown member's key comes back in `errors[].pointer` as sent; the NUL pattern of
    the inputs is not on the problem schemas, so the answer is valid against its schema."""
    response = await client.post(
        "/v1/auth/signup",
        json={"email": "nul@example.com", "name": "N", "password": "x" * 12, "a\u0000b": 1},
    )
    assert response.status_code == 422
    pointers = [error["pointer"] for error in response.json()["errors"]]
    assert "/a\u0000b" in pointers
    assert component_validator(app.openapi(), "Problem").is_valid(response.json())
