"""A lean request handler for Rapport's routes, built once per route.

FastAPI's own handler re-derives per request what never changes for a route: it unwraps each
dependency's callable to look for security schemes and OAuth scopes to build its cache key,
parses the cookies of routes that declare none, opens two exit stacks and several telemetry
contexts (together about a quarter of a one-row read; issue 11). Rapport's routes use a small
part of what FastAPI supports: `async def` endpoints and dependencies (plain or `yield` with
`scope="function"`), path, query and header parameters, a JSON body, `Request`. For those,
`lean_handler` plans the dependency tree once and then runs FastAPI's own validation
(`request_params_to_args`, `request_body_to_args`) and serialisation (`serialize_response`) for
each request, in FastAPI's order, with FastAPI's errors, but for one thing: the body is parsed
after the dependencies (authentication) have run, not before. Any route that declares something
else (forms, a `Response` or `BackgroundTasks` parameter, sync dependencies, security scopes, an
overrides provider of its own) keeps FastAPI's handler: `lean_handler` returns None for it.

The plan cannot see `app.dependency_overrides` (the test idiom, set after the app is built): while
the application has any, `asgi` hands each request to FastAPI's handler reading them instead.
"""

from __future__ import annotations

import email.message
import inspect
import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from anyio import CancelScope
from fastapi import params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined as Undefined
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class _Step:
    """One sub-dependency: how to solve its own parameters, then how to call it."""

    name: str | None
    call: Callable[..., Any]
    plan: _Plan
    key: tuple[Any, str]
    use_cache: bool
    # For a `yield` dependency: its context manager factory, built once.
    context: Callable[..., AbstractAsyncContextManager[Any]] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    steps: tuple[_Step, ...]
    # (name, key in the path, field) of each path parameter: validated here, without FastAPI's
    # per-request look at each field's annotation (a path value is one string, never a list).
    path: tuple[tuple[str, str, Any], ...]
    query: list[Any]
    header: list[Any]
    request_name: str | None
    generators: bool


def _plan(dependant: Dependant) -> _Plan | None:
    """The dependant's tree as a plan, or None when it declares what the plan does not run."""
    if (
        dependant.cookie_params
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.own_oauth_scopes
        or dependant.parent_oauth_scopes
        or dependant.concurrency is not None
    ):
        return None
    steps: list[_Step] = []
    for sub in dependant.dependencies:
        call = sub.call
        if sub.body_params or call is None:
            return None
        context: Callable[..., AbstractAsyncContextManager[Any]] | None = None
        if inspect.isasyncgenfunction(call):
            # Request-scoped generators close after the response is sent; only FastAPI's
            # handler does that. Rapport's transaction is function-scoped (committed first).
            if sub.scope != "function":
                return None
            context = asynccontextmanager(call)
        elif not inspect.iscoroutinefunction(call):
            return None
        sub_plan = _plan(sub)
        if sub_plan is None:
            return None
        # FastAPI's cache key without scopes (the plan refuses OAuth scopes): the callable
        # and its scope, so a dependency declared twice runs once per request.
        key = (call, sub.scope or ("request" if context else ""))
        steps.append(_Step(sub.name, call, sub_plan, key, sub.use_cache, context))
    return _Plan(
        steps=tuple(steps),
        path=tuple((f.name, f.validation_alias or f.alias, f) for f in dependant.path_params),
        query=dependant.query_params,
        header=dependant.header_params,
        request_name=dependant.request_param_name,
        generators=any(s.context or s.plan.generators for s in steps),
    )


async def _solve(
    plan: _Plan,
    request: Request,
    cache: dict[tuple[Any, str], Any],
    stack: AsyncExitStack | None,
) -> tuple[dict[str, Any], list[Any]]:
    """FastAPI's `solve_dependencies` for a plan: sub-dependencies first, in order (one whose
    own parameters are invalid is skipped), then this level's parameters."""
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for step in plan.steps:
        sub_values, sub_errors = await _solve(step.plan, request, cache, stack)
        if sub_errors:
            errors.extend(sub_errors)
            continue
        if step.use_cache and step.key in cache:
            solved = cache[step.key]
        elif step.context is not None:
            if stack is None:
                raise RuntimeError("A dependency with cleanup needs the request's exit stack.")
            solved = await stack.enter_async_context(step.context(**sub_values))
        else:
            solved = await step.call(**sub_values)
        if step.name is not None:
            values[step.name] = solved
        cache.setdefault(step.key, solved)
    if plan.path:
        path_params = request.path_params
        for name, key, field in plan.path:
            # A route matched, so each of its path parameters has a non-empty value.
            value, wrong = field.validate(path_params[key], values, loc=("path", key))
            if wrong:
                errors.extend(wrong)
            else:
                values[name] = value
    if plan.query:
        found, wrong = request_params_to_args(plan.query, request.query_params)
        values.update(found)
        errors.extend(wrong)
    if plan.header:
        found, wrong = request_params_to_args(plan.header, request.headers)
        values.update(found)
        errors.extend(wrong)
    if plan.request_name:
        values[plan.request_name] = request
    return values, errors


@lru_cache(maxsize=256)
def _is_json(content_type: str) -> bool:
    """FastAPI's test of a Content-Type: `application/json` or `application/…+json`."""
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


@dataclass(frozen=True, slots=True)
class _Validated:
    """A JSON body its model accepted as it was parsed (`_read_body`)."""

    value: BaseModel


async def _receive_body(request: Request) -> None:
    """Read the body's bytes (kept by the request) as FastAPI reads them, with its error for a
    body that cannot be read; they are parsed later, by `_read_body`."""
    try:
        await request.body()
    except HTTPException:
        raise
    except Exception as error:
        raise HTTPException(400, "There was an error parsing the body") from error


async def _read_body(
    request: Request, strict_content_type: bool, model: type[BaseModel] | None = None
) -> Any:
    """The request body as FastAPI reads it: parsed JSON when the Content-Type says JSON (or
    is absent and the route is not strict), else the bytes, for the body model to refuse.

    With `model` (a route whose body is one model), a JSON body is first parsed and validated
    in one pass by Pydantic (`model_validate_json`, a tenth of a person create less than
    `json.loads` and then validating the objects). Only a body the model accepts takes that
    path; any other is read again the way FastAPI reads it, so a refused body gets FastAPI's
    errors, word for word."""
    try:
        body = await request.body()
        if not body:
            return Undefined
        content_type = request.headers.get("content-type")
        if content_type is None or content_type == "":
            if strict_content_type:
                return body
        elif not _is_json(content_type):
            return body
        if model is not None:
            try:
                return _Validated(model.model_validate_json(body))
            except ValidationError:
                pass
        return await request.json()
    except json.JSONDecodeError as error:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", error.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": error.msg},
                }
            ],
            body=error.doc,
        ) from error
    except HTTPException:
        raise
    except Exception as error:
        raise HTTPException(400, "There was an error parsing the body") from error


def _json_model(body_params: list[Any]) -> type[BaseModel] | None:
    """The model of a route's body when the body is one Pydantic model with no constraints of
    its own (which FastAPI would add to the model's): what `_read_body` may validate itself."""
    if len(body_params) != 1:
        return None
    info = body_params[0].field_info
    annotation = info.annotation
    if info.metadata or not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return None
    return annotation


# The route's settings that FastAPI's `serialize_response` takes, each `response_model_<name>`.
_SERIALISATION = (
    "include",
    "exclude",
    "by_alias",
    "exclude_unset",
    "exclude_defaults",
    "exclude_none",
)


def lean_handler(route: APIRoute) -> Handler | None:
    """The route's request handler, or None when FastAPI's own must run it."""
    dependant = route.dependant
    call = dependant.call
    if (
        call is None
        or not inspect.iscoroutinefunction(call)
        or route.dependency_overrides_provider is not None
        or route.stream_item_field is not None
        or route.is_json_stream
    ):
        return None
    plan = _plan(dependant)
    body_field = route.body_field
    if plan is None or (body_field is not None and isinstance(body_field.field_info, params.Form)):
        return None
    body_params = dependant.body_params
    embed_body_fields = route._embed_body_fields
    json_model = None if embed_body_fields else _json_model(body_params)
    strict = route.strict_content_type
    strict_content_type = bool(strict.value if isinstance(strict, DefaultPlaceholder) else strict)
    response_class = route.response_class
    dump_json = route.response_field is not None and isinstance(response_class, DefaultPlaceholder)
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    status_code = route.status_code
    serialisation = {name: getattr(route, f"response_model_{name}") for name in _SERIALISATION}

    async def handle(request: Request) -> Response:
        if body_field:
            # The bytes now, before a dependency takes a database connection; parsing them
            # waits for the dependencies, so that a caller without a valid credential gets its
            # 401 whatever it sent, and costs no parse (FastAPI parses first).
            await _receive_body(request)
        if not plan.generators:
            return await _respond(request, None)
        # The dependencies' exits (a transaction's commit or rollback) are not cut short by
        # the request being cancelled, as FastAPI shields them.
        stack = AsyncExitStack()
        try:
            response = await _respond(request, stack)
        except BaseException as error:
            with CancelScope(shield=True):
                if not await stack.__aexit__(type(error), error, error.__traceback__):
                    raise
            # A dependency's exit swallowed the endpoint's exception: FastAPI refuses that too.
            raise RuntimeError(
                "A dependency with yield suppressed an exception; re-raise it."
            ) from None
        with CancelScope(shield=True):
            await stack.__aexit__(None, None, None)
        return response

    async def _respond(request: Request, stack: AsyncExitStack | None) -> Response:
        values, errors = await _solve(plan, request, {}, stack)
        body = (
            await _read_body(request, strict_content_type, json_model) if body_field else Undefined
        )
        if isinstance(body, _Validated):
            values[body_params[0].name] = body.value
        elif body_params:
            found, wrong = await request_body_to_args(
                body_fields=body_params,
                received_body=body,
                embed_body_fields=embed_body_fields,
            )
            values.update(found)
            errors.extend(wrong)
        if errors:
            if isinstance(body, _Validated):
                # Another parameter is wrong: the error carries the body as FastAPI's does.
                body = await request.json()
            raise RequestValidationError(errors, body=None if body is Undefined else body)
        raw = await call(**values)
        if isinstance(raw, Response):
            return raw
        content = await serialize_response(
            field=route.response_field, response_content=raw, dump_json=dump_json, **serialisation
        )
        arguments: dict[str, Any] = {} if status_code is None else {"status_code": status_code}
        if dump_json:
            response = Response(content, media_type="application/json", **arguments)
        else:
            response = response_class(content, **arguments)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        return response

    return handle


def asgi(handler: Handler, overridden: Callable[[Any], ASGIApp]) -> ASGIApp:
    """The route's ASGI app: exceptions go to the application's handlers, as they do from
    FastAPI's routes once its per-route exit stacks are closed.

    While the application serving the request has dependency overrides, the request goes to
    `overridden(application)` instead: FastAPI's handler, which looks each dependency up in
    them on every request, nested ones and the overrides' own included. Without any, that
    check is one attribute read of an empty dict."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        application = scope.get("app")
        if getattr(application, "dependency_overrides", None):
            await overridden(application)(scope, receive, send)
            return
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    return app
