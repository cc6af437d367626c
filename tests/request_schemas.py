"""The JSON Schema the OpenAPI document gives an operation's JSON request body, `$ref`s resolved
against the whole document (JSON Schema 2020-12, the dialect of OpenAPI 3.1): for tests that
hold the document to what the server accepts and refuses."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

_URI = "urn:rapport:openapi"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def request_body_validator(document: dict[str, Any], operation_id: str) -> Draft202012Validator:
    """A validator of the `application/json` request body of the operation `operation_id`."""
    registry: Registry[Any] = Registry().with_resource(_URI, DRAFT202012.create_resource(document))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                pointer = (
                    f"/paths/{_escape(path)}/{method}/requestBody/content/"
                    f"{_escape('application/json')}/schema"
                )
                return Draft202012Validator({"$ref": f"{_URI}#{pointer}"}, registry=registry)
    raise LookupError(f"no operation {operation_id}")


def component_validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator of the component schema `name` (a response's, say)."""
    registry: Registry[Any] = Registry().with_resource(_URI, DRAFT202012.create_resource(document))
    return Draft202012Validator(
        {"$ref": f"{_URI}#/components/schemas/{_escape(name)}"}, registry=registry
    )
