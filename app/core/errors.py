"""Domain errors and the one place that turns every error into RFC 9457 problem+json."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:rapport:problem:"

log = logging.getLogger("rapport.errors")


class FieldError(BaseModel):
    """One invalid input: `pointer` into the JSON body, or the query/path `parameter`."""

    model_config = ConfigDict(title="ProblemFieldError")

    pointer: str | None = Field(default=None, examples=["/email"])
    parameter: str | None = Field(default=None, examples=["limit"])
    detail: str
    code: str = Field(examples=["string_too_long"])


class Problem(BaseModel):
    """RFC 9457 problem details; `code` is the stable machine-readable reason."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:rapport:problem:not_found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["No workspace has that id."])
    instance: str = Field(examples=["/v1/workspaces/wsp_0193..."])
    code: str = Field(examples=["not_found"])
    request_id: str | None = Field(default=None, examples=["req_0193..."])
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An error a client can act on. Services raise subclasses; they know nothing of HTTP."""

    status: int = 500
    code: str = "internal_error"
    default_detail: str = "The server could not complete the request."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        keep_changes: bool = False,
        **extensions: Any,
    ) -> None:
        self.detail = detail or self.default_detail
        # The transaction that raised this still commits: e.g. a failed login must be counted.
        self.keep_changes = keep_changes
        if code is not None:
            self.code = code
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(self.detail)


class BadRequest(ProblemError):
    status, code, default_detail = 400, "bad_request", "The request is malformed."


class Unauthenticated(ProblemError):
    status, code = 401, "unauthenticated"
    default_detail = "Authentication is required: send `Authorization: Bearer <token>`."

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ProblemError):
    status, code, default_detail = 403, "forbidden", "Your role does not allow this."


class NotFound(ProblemError):
    status, code, default_detail = 404, "not_found", "No such resource."


class Conflict(ProblemError):
    status, code, default_detail = 409, "conflict", "The request conflicts with the current state."


class PreconditionFailed(ProblemError):
    status, code = 412, "precondition_failed"
    default_detail = "The resource has changed since you read it (If-Match did not match)."


class PayloadTooLarge(ProblemError):
    status, code, default_detail = 413, "payload_too_large", "The request body is too large."


class ValidationFailed(ProblemError):
    status, code, default_detail = 422, "validation_failed", "The request is not valid."


class RateLimited(ProblemError):
    status, code, default_detail = 429, "rate_limited", "Too many requests."

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


class _DatabaseProblem(ProblemError):
    """The database could not serve the request; the client may retry after `Retry-After`."""

    status = 503

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "1"})


class DatabaseUnavailable(_DatabaseProblem):
    code = "database_unavailable"
    default_detail = "The database cannot be reached; nothing was changed. Retry shortly."


class DatabaseBusy(_DatabaseProblem):
    code = "database_busy"
    default_detail = "Every database connection is in use; nothing was changed. Retry shortly."


class DatabaseTimeout(_DatabaseProblem):
    code = "database_timeout"
    default_detail = "A database statement ran past its time limit; nothing was changed."


def problem_response(
    request_path: str,
    request_id: str | None,
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request_path,
        "code": code,
        "request_id": request_id,
    }
    if extensions:
        body.update(extensions)
    if errors:
        body["errors"] = [e.model_dump(exclude_none=True) for e in errors]
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def from_problem_error(request: Request, exc: ProblemError) -> Response:
    return problem_response(
        request.url.path,
        _request_id(request),
        exc.status,
        exc.code,
        exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):
        raise TypeError(f"not an HTTP exception: {exc!r}")
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and detail == "Not Found":
        detail = f"No route matches {request.url.path}."
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    return problem_response(
        request.url.path,
        _request_id(request),
        status,
        _HTTP_CODES.get(status, "http_error"),
        detail,
        headers=exc.headers,
    )


def _pointer(loc: Sequence[int | str]) -> str:
    # RFC 6901: '~' and '/' inside a segment are escaped.
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def field_errors(raw: Sequence[Any]) -> tuple[list[FieldError], bool]:
    """Map pydantic/FastAPI errors to problem `errors[]`; the flag says the JSON was unreadable."""
    errors: list[FieldError] = []
    malformed = False
    for err in raw:
        loc = list(err.get("loc", ()))
        kind = str(err.get("type", "invalid"))
        message = str(err.get("msg", "Invalid value."))
        if kind == "json_invalid":
            malformed = True
        source = loc[0] if loc else "body"
        if source == "body":
            # FastAPI puts a model-typed body's fields directly after "body".
            errors.append(FieldError(pointer=_pointer(loc[1:]), detail=message, code=kind))
        else:
            name = ".".join(str(p) for p in loc[1:]) or str(source)
            errors.append(FieldError(parameter=name, detail=message, code=kind))
    return errors, malformed


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):
        raise TypeError(f"not a validation error: {exc!r}")
    if isinstance(exc.body, bytes):
        # A body whose media type is not JSON reaches the model as its bytes (FastAPI's way,
        # and the lean handler's), which no model accepts: the media type is wrong, not fields.
        return problem_response(
            request.url.path,
            _request_id(request),
            415,
            "unsupported_media_type",
            "The body must be JSON, sent with `Content-Type: application/json`.",
        )
    errors, malformed = field_errors(exc.errors())
    if malformed:
        return problem_response(
            request.url.path,
            _request_id(request),
            400,
            "malformed_json",
            "The request body is not valid JSON.",
        )
    return problem_response(
        request.url.path,
        _request_id(request),
        422,
        "validation_failed",
        "The request is not valid; see `errors`.",
        errors=errors,
    )


async def _on_problem_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ProblemError):
        raise TypeError(f"not a problem error: {exc!r}")
    return from_problem_error(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
