"""The OpenAPI document: problem responses on every operation, named schemas, stable ids."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, APIRouter, iter_route_contexts
from pydantic import BaseModel

from app.core.errors import PROBLEM_MEDIA_TYPE, Problem
from app.core.openapi_examples import add_examples
from app.core.query import COMMA_SEPARATED, QUERY_MODEL_ATTRIBUTE
from app.core.schemas import TIME_ZONE_COMPONENT, ListPage, time_zone_schema

# A dependency carrying this attribute (a list of OpenAPI security requirement objects) marks
# its routes as authenticated: the dependency verifies the caller, the document shows how.
SECURITY_ATTRIBUTE = "__rapport_security__"

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_DEFAULT_DESCRIPTIONS = {
    "400": "Malformed request (`bad_request`, `malformed_json`).",
    "401": "No valid credential (`unauthenticated`, `invalid_token`).",
    "403": "The role or API key scope does not allow this (`forbidden`, `insufficient_scope`).",
    "404": "No such resource, or not visible to the caller (`not_found`).",
    "412": "If-Match no longer matches (`precondition_failed`).",
    "413": "The body is larger than 1 MiB (`payload_too_large`).",
    "415": "The body is not sent as `application/json` (`unsupported_media_type`).",
    "422": "Invalid input (`validation_failed`), with `errors[]`.",
    "429": "Over the rate limit of the credential, or of the client address without one "
    "(`rate_limited`); retry after `Retry-After` seconds.",
    "500": "Unexpected failure (`internal_error`); quote `request_id`.",
    "503": (
        "The database cannot be reached, is busy or timed out (`database_unavailable`, "
        "`database_busy`, `database_timeout`); nothing was changed unless the detail says "
        "otherwise. Retry after `Retry-After` seconds."
    ),
}
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 1},
}
# The fields of draft-ietf-httpapi-ratelimit-headers-09 that every response carries (unless
# the rate limits' storage cannot be reached), declared once and referred to by each response.
_RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": 'The quota that applies to this request, as `"<policy>";q=<requests>;'
        "w=<seconds>`: the policy is `api-key`, `user` or `address` (docs/api.md).",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'What is left of that quota, as `"<policy>";r=<requests left>;'
        "t=<seconds until the window resets>`.",
        "schema": {"type": "string"},
    },
}
_RATE_LIMIT_REFS = {name: {"$ref": f"#/components/headers/{name}"} for name in _RATE_LIMIT_HEADERS}
# `/metrics` takes the operator's token (RAPPORT_METRICS_TOKEN), a scheme of its own: no user
# or API key is asked for, and no role or scope can refuse it (401 only, never 403).
METRICS_TOKEN = "MetricsToken"
_METRICS_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "The operator's `RAPPORT_METRICS_TOKEN`, for `GET /metrics` only.",
}
# Operations that never touch the database, so never answer 503.
_NO_DATABASE = frozenset({"health_live", "health_metrics"})
# Reads that answer without an ETag (tests/core/test_openapi_headers.py holds the document to
# what each read sends): probes, the caller's own account, and views of the day (the home
# agenda) or of many records at once (the referral network), each read fresh.
NO_ETAG = frozenset(
    {"health_live", "health_ready", "health_metrics", "me_get", "follow_ups_agenda", "network_get"}
)
_ETAG = {
    "description": "The representation's strong entity tag: send it back as `If-None-Match` "
    "(a 304 while current) or `If-Match` (a 412 once changed).",
    "required": True,
    "schema": {"type": "string"},
}
_LOCATION = {
    "description": "The path of the item made, to `GET` it.",
    "required": True,
    "schema": {"type": "string"},
}
# The response headers a route declares by name (`declare_headers`).
RESPONSE_HEADERS = {"ETag": _ETAG, "Location": _LOCATION}
_LINK = {
    "description": 'The next page, `<…?cursor=…>; rel="next"` (RFC 8288), while `has_more`.',
    "schema": {"type": "string"},
}
_IF_NONE_MATCH = {
    "name": "if-none-match",
    "in": "header",
    "required": False,
    "description": "An ETag from an earlier read: 304 without a body while it is current.",
    "schema": {"type": "string"},
}


def declare_headers(options: dict[str, Any], status: int, *names: str) -> None:
    """Add the response headers `names` (of `RESPONSE_HEADERS`) to the `status` response in a
    route's FastAPI `options`, which FastAPI merges into the document. The `responses` the
    caller passed may be shared by several routes: it is copied, never changed."""
    responses = dict(options.get("responses") or {})
    response = dict(responses.get(status, {}))
    response["headers"] = {**response.get("headers", {}), **with_headers(*names)["headers"]}
    responses[status] = response
    options["responses"] = responses


def with_headers(*names: str) -> dict[str, Any]:
    """A FastAPI `responses` entry declaring the response headers `names`, for a hand-written
    route (`responses={201: with_headers("Location")}`)."""
    return {"headers": {name: RESPONSE_HEADERS[name] for name in names}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


def _declared(dependant: Dependant, attribute: str) -> Any:
    """The value a route's dependency declares under `attribute` (the first found), or None."""
    found = getattr(dependant.call, attribute, None)
    if found is not None:
        return found
    for sub in dependant.dependencies:
        found = _declared(sub, attribute)
        if found is not None:
            return found
    return None


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The model's fields as OpenAPI query parameters, as FastAPI writes its own."""
    properties = model.model_json_schema(ref_template="#/components/schemas/{model}")["properties"]
    parameters = []
    for name, field in model.model_fields.items():
        alias = field.alias or name
        schema = dict(properties[alias])
        # FastAPI titles every parameter's schema and leaves out a null default.
        schema.setdefault("title", field.title or name.replace("_", " ").title())
        if "default" in schema and schema["default"] is None:
            del schema["default"]
        parameter: dict[str, Any] = {
            "name": alias,
            "in": "query",
            "required": field.is_required(),
            "schema": schema,
        }
        if field.description:
            parameter["description"] = field.description
        parameters.append(parameter)
    return parameters


def _document_routes(document: dict[str, Any], routers: Iterable[APIRouter]) -> None:
    """What the routes' dependencies declare: security requirements (`SECURITY_ATTRIBUTE`) and
    query parameter models (`QUERY_MODEL_ATTRIBUTE`), found by operation id."""
    # Through FastAPI's own walk of the routes, so that those of a router included later (the
    # app's router then holds the inclusion, not the routes) are found too.
    routes = {
        context.original_route.operation_id or context.original_route.unique_id: (
            context.original_route
        )
        for router in routers
        for context in iter_route_contexts(router.routes)
        if isinstance(context.original_route, APIRoute)
    }
    for item in document.get("paths", {}).values():
        for operation in item.values():
            route = routes.get(operation.get("operationId"))
            if route is None:
                continue
            security = _declared(route.dependant, SECURITY_ATTRIBUTE)
            if security is not None:
                operation["security"] = security
            model = _declared(route.dependant, QUERY_MODEL_ATTRIBUTE)
            if model is not None:
                operation.setdefault("parameters", []).extend(_query_parameters(model))
            if "GET" in (route.methods or ()):
                _document_reads(operation, route)


def _document_problems(operation: dict[str, Any], method: str, path: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    codes = {"500"}
    if operation.get("operationId") not in _NO_DATABASE:
        codes.add("503")
    requirements = {name for r in operation.get("security", ()) for name in r}
    if requirements:
        codes.add("401")
    if requirements - {METRICS_TOKEN}:
        codes.add("403")
    if "{" in path:
        codes.add("404")
    if "requestBody" in operation:
        codes |= {"400", "413", "422"}
        if "application/json" in operation["requestBody"].get("content", {}):
            codes.add("415")
    if operation.get("parameters"):
        codes.add("422")
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
    if "if-match" in headers:
        codes.add("412")
    codes.add("429")  # every request is counted (docs/api.md, "Rate limits")
    for code in sorted(codes):
        responses.setdefault(code, {"description": _DEFAULT_DESCRIPTIONS[code]})
    if responses["429"]["description"] != _DEFAULT_DESCRIPTIONS["429"]:
        responses["429"]["description"] += " " + _DEFAULT_DESCRIPTIONS["429"]
    responses["429"].setdefault("headers", {})["Retry-After"] = _RETRY_AFTER
    if "idempotency-key" in headers:
        _document_idempotency(responses)
    if responses.get("503", {}).get("description") == _DEFAULT_DESCRIPTIONS["503"]:
        responses["503"]["headers"] = {"Retry-After": _RETRY_AFTER}
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}
            response.setdefault("description", _DEFAULT_DESCRIPTIONS.get(code, "Error."))
    for response in responses.values():
        response.setdefault("headers", {}).update({k: dict(v) for k, v in _RATE_LIMIT_REFS.items()})


_IDEMPOTENCY = {
    "409": "With an `Idempotency-Key`: a request with the same key is still running "
    "(`idempotency_request_in_progress`), or the key's request was done but its answer can no "
    "longer be read (`idempotency_key_unusable`).",
    "422": "With an `Idempotency-Key`: the key was used for another request "
    "(`idempotency_key_reused`).",
}
_REPLAYED = {
    "description": "`true` when this is the answer kept for the request's `Idempotency-Key`, "
    "sent again (the request had its effect once, before); absent otherwise.",
    "schema": {"type": "string", "enum": ["true"]},
}


def _document_idempotency(responses: dict[str, Any]) -> None:
    """A POST taking `Idempotency-Key`: its problems, and the header marking a replayed answer."""
    for code, text in _IDEMPOTENCY.items():
        response = responses.setdefault(code, {})
        before = response.get("description")
        response["description"] = f"{before} {text}" if before else text
    for code, response in responses.items():
        if code.startswith("2"):
            response.setdefault("headers", {})["Idempotent-Replayed"] = _REPLAYED


def _document_reads(operation: dict[str, Any], route: APIRoute) -> None:
    """A read's headers: a list's `Link`; an item's `ETag`, `If-None-Match` and 304."""
    ok = operation.get("responses", {}).get("200")
    if ok is None:
        return
    model = route.response_model
    if isinstance(model, type) and issubclass(model, ListPage):
        ok.setdefault("headers", {})["Link"] = dict(_LINK)
    elif operation.get("operationId") not in NO_ETAG:
        ok.setdefault("headers", {})["ETag"] = dict(_ETAG)
        operation.setdefault("parameters", []).append(dict(_IF_NONE_MATCH))
        operation["responses"]["304"] = {
            "description": "Not modified: `If-None-Match` names the current ETag; no body.",
            "headers": {"ETag": dict(_ETAG)},
        }


# PostgreSQL cannot store U+0000, so no text input may hold it (StrictInput, query.reject_nul):
# the document says so on every free-text string.
_NO_NUL = "^[^\\x00]*$"
_SUBSCHEMAS = ("anyOf", "oneOf", "allOf", "prefixItems")


# Pydantic writes a bound it cannot place on the inner type (an integer read through a
# validator first, `JsonInt`) under its own name: JSON Schema's is written instead.
_BOUNDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}


def _forbid_nul(schema: Any) -> None:
    """Give every free-text string in `schema` (no enum, const, format or pattern of its own)
    the pattern that leaves out U+0000, through properties, items and combinations; and write
    numeric bounds under JSON Schema's names."""
    if not isinstance(schema, dict):
        return
    for pydantic_name, name in _BOUNDS.items():
        if pydantic_name in schema and schema.get("type") in ("integer", "number"):
            schema[name] = schema.pop(pydantic_name)
    if schema.get("type") == "string" and not {"enum", "const", "format", "pattern"} & set(schema):
        schema["pattern"] = _NO_NUL
    for keyword in ("items", "additionalProperties", "not"):
        _forbid_nul(schema.get(keyword))
    for keyword in _SUBSCHEMAS:
        for sub in schema.get(keyword, ()):
            _forbid_nul(sub)
    for sub in schema.get("properties", {}).values():
        _forbid_nul(sub)


def _header_not_null(parameter: dict[str, Any]) -> None:
    """An optional header is sent or absent, never null: its schema is the string it is when
    sent (FastAPI writes `anyOf [string, null]` for `str | None`, which a client cannot send
    and generated clients type as nullable)."""
    schema = parameter.get("schema", {})
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    if "anyOf" in schema and len(branches) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        parameter["schema"] = {**branches[0], **rest}


def _document_comma_separated(operation: dict[str, Any]) -> None:
    """A parameter marked `COMMA_SEPARATED` is an array sent as `name=a,b`."""
    for parameter in operation.get("parameters", []):
        if parameter.get("schema", {}).pop(COMMA_SEPARATED, False):
            parameter.update(style="form", explode=False)


_SCHEMA_REF = "#/components/schemas/"


def _schemas_reached(node: Any, schemas: dict[str, Any], found: set[str]) -> set[str]:
    """The component schemas `node` refers to, directly or through other schemas."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            name = ref.removeprefix(_SCHEMA_REF)
            if name not in found:
                found.add(name)
                _schemas_reached(schemas[name], schemas, found)
        for value in node.values():
            _schemas_reached(value, schemas, found)
    elif isinstance(node, list):
        for value in node:
            _schemas_reached(value, schemas, found)
    return found


def _refer_to_inputs(node: Any, renamed: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(_SCHEMA_REF) in renamed:
            node["$ref"] = ref + "Input"
        for value in node.values():
            _refer_to_inputs(value, renamed)
    elif isinstance(node, list):
        for value in node:
            _refer_to_inputs(value, renamed)


def _separate_outputs(document: dict[str, Any]) -> None:
    """A success response carries every field of its model (models are dumped whole), so its
    schemas require them all, defaults included, while a request may leave out a field with a
    default: generated clients then send the smallest body and read no field as optional. A
    schema used both ways is split, its request copy named `<Name>Input` as the project names
    its input models; problems (4xx, 5xx) are left as they are, built with optional members."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    requests: set[str] = set()
    successes: set[str] = set()
    request_parts: list[Any] = []
    for item in document.get("paths", {}).values():
        for operation in item.values():
            request_parts += [operation.get("requestBody"), operation.get("parameters")]
            for status, response in operation.get("responses", {}).items():
                if status[0] in "23":
                    _schemas_reached(response, schemas, successes)
    _schemas_reached(request_parts, schemas, requests)

    def loose(name: str) -> bool:
        schema = schemas[name]
        return bool(set(schema.get("properties", {})) - set(schema.get("required", [])))

    # A shared schema differs between the two when it has an optional field or (through a
    # reference) holds one that differs.
    split = {name for name in requests & successes if loose(name)}
    while grown := {
        name
        for name in requests & successes - split
        if _schemas_reached(schemas[name], schemas, set()) & split
    }:
        split |= grown
    for name in sorted(split):
        if name + "Input" in schemas:
            raise RuntimeError(f"Two schemas would be named {name}Input.")
        schemas[name + "Input"] = {**copy.deepcopy(schemas[name]), "title": name + "Input"}
    _refer_to_inputs(request_parts, split)
    for name in (requests - successes) | {name + "Input" for name in split}:
        _refer_to_inputs(schemas[name], split)
    for name in successes:
        schema = schemas[name]
        if "properties" in schema:
            required = schema.setdefault("required", [])
            required += [field for field in schema["properties"] if field not in required]


_FORM = "application/x-www-form-urlencoded"


def _forms_without_null(document: dict[str, Any]) -> None:
    """A form field is text or absent: it cannot be null (a generated `x=null` is the text
    "null"), so the members of form bodies lose the `null` their optional models give them; and
    an optional one sent empty is read as absent, so its closed set admits "" as well."""
    schemas = document["components"]["schemas"]
    for item in document.get("paths", {}).values():
        for operation in item.values():
            media = operation.get("requestBody", {}).get("content", {}).get(_FORM)
            if media is None:
                continue
            ref = media["schema"].get("$ref", "").removeprefix(_SCHEMA_REF)
            schema = schemas.get(ref, media["schema"])
            for name, member in schema.get("properties", {}).items():
                branches = [s for s in member.get("anyOf", ()) if s != {"type": "null"}]
                if len(branches) == 1 and len(member["anyOf"]) == 2:
                    del member["anyOf"]
                    member.update(branches[0])
                    if member.get("default", 0) is None:
                        del member["default"]
                # An optional field sent empty (`x=`) is read as left out.
                if name not in schema.get("required", ()) and "const" in member:
                    member["enum"] = [member.pop("const"), ""]
                elif name not in schema.get("required", ()) and "enum" in member:
                    member["enum"] = [*member["enum"], ""]


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _document_links(document: dict[str, Any]) -> None:
    """OpenAPI links from each create to what can be done with the item it made: a `POST` on a
    collection `P` answering 201 with an `id` links to every operation of `P/{id}` and of
    `P/{id}/<action or list>`, the new id taken from the body and the others from the create's
    own path, so clients and stateful fuzzers follow create → get → update → actions → delete."""
    schemas = document["components"]["schemas"]
    paths: dict[str, Any] = document.get("paths", {})
    for collection, item in paths.items():
        create = item.get("post")
        created = (create or {}).get("responses", {}).get("201")
        if created is None:
            continue
        schema = created.get("content", {}).get("application/json", {}).get("schema", {})
        schema = schemas.get(schema.get("$ref", "").removeprefix(_SCHEMA_REF), schema)
        if "id" not in schema.get("properties", {}):
            continue
        known = set(_path_parameters(collection))
        links: dict[str, Any] = {}
        for path, target in paths.items():
            rest = path.removeprefix(collection + "/").split("/")
            if not path.startswith(collection + "/") or not rest[0].startswith("{"):
                continue
            if len(rest) > 2 or (len(rest) == 2 and rest[1].startswith("{")):
                continue
            new = rest[0][1:-1]
            for method, operation in target.items():
                parameters = {
                    name: "$response.body#/id" if name == new else f"$request.path.{name}"
                    for name in _path_parameters(path)
                    if name == new or name in known
                }
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                    "description": f"`{method.upper()} {path}` on the item made.",
                }
        if links:
            created["links"] = links


def _declare_public(document: dict[str, Any]) -> None:
    """Say outright that an operation without a security requirement takes no credential (no
    requirement at all reads as an omission to linters and generators), and where the API is
    served: `/`, relative to the document, the default OpenAPI would assume."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            operation.setdefault("security", [])
    document.setdefault("servers", [{"url": "/"}])


def build_openapi(
    app: FastAPI, routers: Iterable[APIRouter], security_schemes: dict[str, Any]
) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        license_info=app.license_info,
        routes=[route for router in routers for route in router.routes],
        tags=app.openapi_tags,
    )
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    parts = problem.pop("$defs", {})
    schemas.update(parts)
    schemas["Problem"] = problem
    # A problem's `errors` name what the client sent (an unknown member's key, U+0000 and all):
    # the NUL pattern is for text Rapport takes and stores, not for what it echoes.
    echoing = {"Problem", *parts}
    # The closed set every `TimeZoneName` refers to (`WithJsonSchema`), named once.
    schemas[TIME_ZONE_COMPONENT] = time_zone_schema()
    document["components"]["securitySchemes"] = {**security_schemes, METRICS_TOKEN: _METRICS_SCHEME}
    document["components"]["headers"] = _RATE_LIMIT_HEADERS
    _document_routes(document, routers)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            _document_problems(operation, method, path)
            _document_comma_separated(operation)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    _forbid_nul(parameter.get("schema"))
                if parameter["in"] == "header":
                    _header_not_null(parameter)
    for name, schema in schemas.items():
        if name not in echoing:
            _forbid_nul(schema)
    add_examples(document)
    _separate_outputs(document)
    _forms_without_null(document)
    _document_links(document)
    _declare_public(document)
    return document


def install_openapi(
    app: FastAPI, routers: Iterable[APIRouter], security_schemes: dict[str, Any]
) -> None:
    """The document FastAPI generates, completed: problems, security requirements (declared by
    the routes' auth dependencies) and schemes."""
    routers = tuple(routers)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, routers, security_schemes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
