"""Every example in the OpenAPI document is valid against its own schema, and every operation
shows one: schema-level `examples`, media-type `example`/`examples` (request bodies, success and
problem responses) and parameter and header examples, checked with JSON Schema 2020-12 (the
dialect of OpenAPI 3.1), `$ref`s resolved against the whole document, formats checked."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import TypeAdapter, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.core.errors import PROBLEM_MEDIA_TYPE
from app.core.routing import RouteTable

_URI = "urn:rapport:openapi"
_DATA_KEYWORDS = frozenset({"example", "examples", "default", "const", "enum"})
_EXAMPLE_MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded")
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

# jsonschema checks `uri` only with an optional package installed: check it here instead.
_FORMATS = FormatChecker()


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


_FORMATS.checks("uri")(_is_uri)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _schema_examples(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """(pointer of the schema, example) for every schema-level `examples` list: in OpenAPI the
    other `examples` (media types, parameters) are maps, so a list is always a schema's."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list):
            for example in node["examples"]:
                yield pointer, example
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                yield from _schema_examples(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schema_examples(value, f"{pointer}/{index}")


def _object_examples(holder: dict[str, Any], pointer: str) -> Iterator[tuple[str, Any]]:
    """(pointer of the schema, example) for a media type's, parameter's or header's own
    `example` and `examples[*].value`."""
    if "example" in holder:
        yield f"{pointer}/schema", holder["example"]
    examples = holder.get("examples")
    if isinstance(examples, dict):
        for example in examples.values():
            if "value" in example:
                yield f"{pointer}/schema", example["value"]


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in _METHODS:
                yield path, method, operation


def _object_level_examples(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for path, item in document["paths"].items():
        base = f"/paths/{_escape(path)}"
        for index, parameter in enumerate(item.get("parameters", ())):
            yield from _object_examples(parameter, f"{base}/parameters/{index}")
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            at = f"{base}/{method}"
            for index, parameter in enumerate(operation.get("parameters", ())):
                yield from _object_examples(parameter, f"{at}/parameters/{index}")
            content = operation.get("requestBody", {}).get("content", {})
            for media_type, media in content.items():
                yield from _object_examples(
                    media, f"{at}/requestBody/content/{_escape(media_type)}"
                )
            for status, response in operation.get("responses", {}).items():
                here = f"{at}/responses/{status}"
                for media_type, media in response.get("content", {}).items():
                    yield from _object_examples(media, f"{here}/content/{_escape(media_type)}")
                for name, header in response.get("headers", {}).items():
                    yield from _object_examples(header, f"{here}/headers/{_escape(name)}")


def _invalid_examples(document: dict[str, Any]) -> tuple[int, list[tuple[str, str, str]]]:
    """How many examples the document holds, and (schema pointer, example, error) of each one
    its schema rejects."""
    resource: Resource[Any] = DRAFT202012.create_resource(document)
    registry: Registry[Any] = Registry().with_resource(_URI, resource)
    validators: dict[str, Draft202012Validator] = {}
    checked = 0
    invalid = []
    examples = [*_schema_examples(document, ""), *_object_level_examples(document)]
    for pointer, example in examples:
        validator = validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": f"{_URI}#{pointer}"}, registry=registry, format_checker=_FORMATS
            )
            validators[pointer] = validator
        checked += 1
        error = next(iter(validator.iter_errors(example)), None)
        if error is not None:
            invalid.append((pointer, repr(example)[:200], f"{error.json_path}: {error.message}"))
    return checked, invalid


def test_every_example_is_valid_against_its_schema(app: Any) -> None:
    document = app.openapi()
    checked, invalid = _invalid_examples(document)
    assert not invalid, invalid[:10]
    schema_level = sum(1 for _ in _schema_examples(document, ""))
    object_level = sum(1 for _ in _object_level_examples(document))
    assert checked == schema_level + object_level
    assert schema_level > 100
    assert object_level > len(list(_operations(document)))


def test_a_broken_example_is_caught(app: Any) -> None:
    """The check above can fail: a response whose id is a number and a problem without its
    `code` are each reported."""
    document = copy.deepcopy(app.openapi())
    people = document["paths"]["/v1/workspaces/{workspace_id}/people"]
    person = people["post"]["responses"]["201"]["content"]["application/json"]["example"]
    person["id"] = 5
    problem = people["get"]["responses"]["404"]
    del problem["content"][PROBLEM_MEDIA_TYPE]["example"]["code"]
    _, invalid = _invalid_examples(document)
    errors = " ".join(error for _, _, error in invalid)
    assert len(invalid) == 2, invalid
    assert "5 is not of type 'string'" in errors
    assert "'code' is a required property" in errors


def test_every_body_and_json_response_has_an_example(app: Any) -> None:
    missing = []
    bodies = responses = problems = 0
    for path, method, operation in _operations(app.openapi()):
        content = operation.get("requestBody", {}).get("content", {})
        for media_type in _EXAMPLE_MEDIA_TYPES:
            if media_type in content:
                bodies += 1
                if "example" not in content[media_type]:
                    missing.append((method, path, "request", media_type))
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                documented = status.startswith("2") and media_type == "application/json"
                problem = media_type == PROBLEM_MEDIA_TYPE
                responses += documented
                problems += problem
                if (documented or problem) and "example" not in media:
                    missing.append((method, path, status, media_type))
    assert not missing, missing[:10]
    assert bodies > 30
    assert responses > 80
    assert problems > responses


def test_patch_examples_are_small_merge_patches(app: Any) -> None:
    patches = 0
    for path, method, operation in _operations(app.openapi()):
        if method == "patch":
            example = operation["requestBody"]["content"]["application/json"]["example"]
            assert 1 <= len(example) <= 2, (path, example)
            patches += 1
    assert patches > 5


def test_problem_examples_are_what_the_handlers_send(app: Any) -> None:
    for path, _, operation in _operations(app.openapi()):
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
            if media is None:
                continue
            problem = media["example"]
            assert problem["status"] == int(status), (path, status)
            assert problem["type"] == f"urn:rapport:problem:{problem['code']}"
            assert problem["request_id"].startswith("req_")
            assert "{" not in problem["instance"], problem["instance"]
            assert problem["instance"].count("/") == path.count("/")
            assert ("errors" in problem) is (problem["code"] == "validation_failed"), problem


def test_request_examples_are_accepted_by_the_body_models(app: Any) -> None:
    """Beyond the schemas: the models' own rules (one of the names, a person *or* a new
    contact) accept each request example too."""
    operations = {op["operationId"]: op for _, _, op in _operations(app.openapi())}
    routes: list[Any] = []
    for route in app.routes:
        routes += route.routes if isinstance(route, RouteTable) else [route]
    rejected = []
    checked = 0
    for route in routes:
        if not isinstance(route, APIRoute) or not route.dependant.body_params:
            continue
        operation = operations[route.operation_id or route.unique_id]
        annotation = route.dependant.body_params[0].field_info.annotation
        assert annotation is not None, route.path
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        for media_type, media in operation["requestBody"]["content"].items():
            checked += 1
            try:
                adapter.validate_python(media["example"])
            except ValidationError as error:
                rejected.append((route.operation_id, media_type, str(error)[:300]))
    assert not rejected, rejected
    assert checked > 30
