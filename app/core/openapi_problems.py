"""Problem examples for the OpenAPI document: each error response shows the body the error
handlers send for it (its `code` read from the response's description)."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from app.core.errors import (
    PROBLEM_TYPE_PREFIX,
    BadRequest,
    Conflict,
    DatabaseBusy,
    DatabaseTimeout,
    DatabaseUnavailable,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    Unauthenticated,
)
from app.core.openapi_samples import FORM, JSON, REF_PREFIX, REQUEST_ID

if TYPE_CHECKING:
    from app.core.openapi_examples import Composer


# What the handlers send for each problem code (app/core/errors.py, app/core/middleware.py).
_DETAILS = {
    error.code: error.default_detail
    for error in (
        BadRequest,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        RateLimited,
        DatabaseUnavailable,
        DatabaseBusy,
        DatabaseTimeout,
    )
} | {
    "validation_failed": "The request is not valid; see `errors`.",
    "malformed_json": "The request body is not valid JSON.",
    "unsupported_media_type": "The body must be JSON, sent with `Content-Type: application/json`.",
    "internal_error": "The server failed; quote the request_id if you report it.",
}
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "database_unavailable",
}
_CODE_IN_PARENTHESES = re.compile(r"\(`([a-z][a-z_]*)`")
_LEADING_CODE = re.compile(r"^`([a-z][a-z_]*)`")


def _problem_code(status: int, description: str) -> str:
    for pattern in (_CODE_IN_PARENTHESES, _LEADING_CODE):
        found = pattern.search(description)
        if found:
            return found.group(1)
    return _STATUS_CODES.get(status, "http_error")


def _problem_detail(code: str, description: str) -> str:
    if code in _DETAILS:
        return _DETAILS[code]
    if description.startswith(f"`{code}` ("):
        # "`code` (what it means), `other` (…)": the first parenthesis explains the code.
        text = description[len(code) + 4 :].split(")")[0]
    else:
        # "What happened (`code`), or …": the clause before the code's parenthesis.
        text = description.split("(`")[0]
    text = text.strip().rstrip(".:,;")
    return text[:1].upper() + text[1:] + "." if text else "The request failed."


def _field_error(operation: dict[str, Any], composer: Composer) -> dict[str, Any]:
    """An `errors[]` entry as app/core/errors.py reports one, for this operation's input."""
    body = operation.get("requestBody", {}).get("content", {})
    media = body.get(JSON) or body.get(FORM)
    if media is not None:
        schema = media.get("schema", {})
        target = composer.schemas.get(schema.get("$ref", "").removeprefix(REF_PREFIX), schema)
        required = target.get("required", ())
        if required:
            return {"pointer": f"/{required[0]}", "detail": "Field required", "code": "missing"}
        return {
            "pointer": "/nickname",
            "detail": "Extra inputs are not permitted",
            "code": "extra_forbidden",
        }
    for parameter in operation.get("parameters", ()):
        maximum = parameter.get("schema", {}).get("maximum")
        if maximum is not None:
            return {
                "parameter": parameter["name"],
                "detail": f"Input should be less than or equal to {maximum}",
                "code": "less_than_equal",
            }
    for parameter in operation.get("parameters", ()):
        if parameter["in"] == "query":
            return {"parameter": parameter["name"], "detail": "Invalid value.", "code": "invalid"}
    return {"parameter": "if-match", "detail": "Invalid value.", "code": "invalid"}


def instance_of(path: str, operation: dict[str, Any], composer: Composer) -> str:
    """The request path, its parameters filled in with sample ids."""
    for parameter in operation.get("parameters", ()):
        if parameter["in"] == "path":
            schema = parameter.get("schema", {})
            value = composer.value(schema, request=True, name=parameter["name"])
            path = path.replace("{" + parameter["name"] + "}", str(value))
    return path


def problem_example(
    status: int,
    description: str,
    instance: str,
    operation: dict[str, Any],
    composer: Composer,
) -> dict[str, Any]:
    code = _problem_code(status, description)
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": _problem_detail(code, description),
        "instance": instance,
        "code": code,
        "request_id": REQUEST_ID,
    }
    if code == "validation_failed":
        problem["errors"] = [_field_error(operation, composer)]
    return problem
