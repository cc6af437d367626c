"""The lean route handler (app/core/handlers.py) answers exactly as FastAPI's own handler does.

Every request below is sent twice, once through each handler, and the answers compared: status,
media type, ETag, Location and body (less what differs between two requests by design: request
ids, and the id and times of a created record)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest
from fastapi.dependencies.utils import request_body_to_args

from app.core import handlers
from app.core.routing import CheckedRoute, RouteTable
from tests.conftest import Account, bearer, create_api_key
from tests.people.factories import create_person

# Forms are read by FastAPI's handler (the OAuth2 token endpoints take form bodies).
FASTAPI_ONLY = {("POST", "/v1/auth/token"), ("POST", "/v1/auth/revoke")}
VOLATILE = {"request_id", "instance", "id", "created_at", "updated_at", "etag"}


def _checked_routes(app: Any) -> list[CheckedRoute]:
    (table,) = [route for route in app.routes if isinstance(route, RouteTable)]
    return [route for route in table.routes if isinstance(route, CheckedRoute)]


@contextmanager
def fastapi_handlers(app: Any) -> Iterator[None]:
    """Run every route on FastAPI's own handler for the duration."""
    routes = [route for route in _checked_routes(app) if route.lean]
    lean = [route.app for route in routes]
    for route in routes:
        route.app = route.fastapi_app
    try:
        yield
    finally:
        for route, handler in zip(routes, lean, strict=True):
            route.app = handler


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


def _answer(response: httpx.Response) -> dict[str, Any]:
    body: Any = response.content
    if body and "json" in response.headers.get("content-type", ""):
        body = _normalised(orjson.loads(body))
    return {
        "status": response.status_code,
        "content-type": response.headers.get("content-type"),
        "etag": "etag" in response.headers,
        "location": "location" in response.headers,
        "allow": response.headers.get("allow"),
        "body": body,
    }


async def _both(
    app: Any, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> dict[str, Any]:
    lean = await client.request(method, url, **kwargs)
    with fastapi_handlers(app):
        fastapi = await client.request(method, url, **kwargs)
    assert _answer(lean) == _answer(fastapi), (method, url, kwargs)
    return _answer(lean)


def test_every_route_but_the_form_ones_runs_on_the_lean_handler(app: Any) -> None:
    fastapi_only = {
        (method, route.path)
        for route in _checked_routes(app)
        if not route.lean
        for method in route.methods
    }
    assert fastapi_only == FASTAPI_ONLY
    assert all(route.lean for route in _checked_routes(app) if route.path.startswith("/v1/work"))


async def test_reads_answer_as_fastapi_does(
    app: Any, client: httpx.AsyncClient, owner: Account
) -> None:
    ws = f"/v1/workspaces/{owner.workspace_id}"
    person = await create_person(client, owner, given_name="Ada", tags=["mentor"])
    etag = (await client.get(f"{ws}/people/{person['id']}", headers=owner.headers)).headers["etag"]
    headers = owner.headers
    cases: list[tuple[str, dict[str, Any], int]] = [
        (f"{ws}/people/{person['id']}", {"headers": headers}, 200),
        (f"{ws}/people/{person['id']}", {"headers": {**headers, "If-None-Match": etag}}, 304),
        (f"{ws}/people/per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d", {"headers": headers}, 404),
        (f"{ws}/people/not-an-id", {"headers": headers}, 404),
        (f"{ws}/people?limit=1&tag=mentor", {"headers": headers}, 200),
        (f"{ws}/people?limit=0", {"headers": headers}, 422),
        (f"{ws}/people?bogus=1", {"headers": headers}, 422),
        (f"{ws}/interviews?expand=person,organisation", {"headers": headers}, 200),
        (ws, {"headers": headers}, 200),
        (f"{ws}/people", {}, 401),
        ("/v1/me", {"headers": headers}, 200),
        ("/healthz", {}, 200),
    ]
    for url, kwargs, status in cases:
        answer = await _both(app, client, "GET", url, **kwargs)
        assert answer["status"] == status, (url, answer)


BAD_BODIES: list[tuple[dict[str, Any], int]] = [
    ({"content": b'{"given_name": ', "headers": {"Content-Type": "application/json"}}, 400),
    ({"content": b"\xff\xfe{}", "headers": {"Content-Type": "application/json"}}, 400),
    ({"content": b'{"given_name": "Ada"}', "headers": {"Content-Type": "text/plain"}}, 415),
    ({"content": b'{"given_name": "Ada"}', "headers": {"Content-Type": ""}}, 415),
    ({"content": b"", "headers": {"Content-Type": "application/json"}}, 422),
    ({"content": b"[]", "headers": {"Content-Type": "application/json"}}, 422),
    ({"json": {"given_name": "x" * 101, "nickname": "Ada"}}, 422),
]


@pytest.mark.parametrize(("request_kwargs", "status"), BAD_BODIES)
async def test_bad_bodies_answer_as_fastapi_does_and_store_nothing(
    app: Any,
    client: httpx.AsyncClient,
    owner: Account,
    request_kwargs: dict[str, Any],
    status: int,
) -> None:
    ws = f"/v1/workspaces/{owner.workspace_id}"
    headers = {**owner.headers, **request_kwargs.pop("headers", {})}
    answer = await _both(app, client, "POST", f"{ws}/people", headers=headers, **request_kwargs)
    assert answer["status"] == status, answer
    listed = await client.get(f"{ws}/people", headers=owner.headers)
    assert listed.json()["data"] == []


async def test_writes_answer_as_fastapi_does(
    app: Any, client: httpx.AsyncClient, owner: Account, viewer: Account
) -> None:
    ws = f"/v1/workspaces/{owner.workspace_id}"
    created = await _both(
        app, client, "POST", f"{ws}/people", headers=owner.headers, json={"given_name": "Ada"}
    )
    assert created["status"] == 201
    assert created["location"]
    assert created["etag"]

    person = await create_person(client, owner, given_name="Grace")
    url = f"{ws}/people/{person['id']}"
    stale = {**owner.headers, "If-Match": '"stale"'}
    refused = await _both(app, client, "PATCH", url, headers=stale, json={"given_name": "Bo"})
    assert refused["status"] == 412
    # A viewer learns nothing from a 422: the scope is checked before the body.
    forbidden = await _both(app, client, "PATCH", url, headers=viewer.headers, json={"x": 1})
    assert forbidden["status"] == 403
    unchanged = await client.get(url, headers=owner.headers)
    assert unchanged.json()["given_name"] == "Grace"

    for handler in ("lean", "fastapi"):
        person = await create_person(client, owner, given_name=handler)
        url = f"{ws}/people/{person['id']}"
        current = (await client.get(url, headers=owner.headers)).headers["etag"]
        patch = {"headers": {**owner.headers, "If-Match": current}, "json": {"family_name": "X"}}
        if handler == "lean":
            changed = await client.patch(url, **patch)
            deleted = await client.delete(url, headers=owner.headers)
        else:
            with fastapi_handlers(app):
                changed = await client.patch(url, **patch)
                deleted = await client.delete(url, headers=owner.headers)
        assert changed.status_code == 200
        assert changed.json()["family_name"] == "X"
        assert deleted.status_code == 204
        assert deleted.content == b""
        assert (await client.get(url, headers=owner.headers)).status_code == 404

    # A route that returns a model (FastAPI validates and serialises it) and one with Allow.
    key = await create_api_key(client, owner, ["people:read"])
    renamed = await _both(app, client, "PATCH", ws, headers=owner.headers, json={"name": "Mine"})
    assert renamed["status"] == 200
    assert renamed["body"]["name"] == "Mine"
    not_allowed = await _both(app, client, "PUT", f"{ws}/people", headers=owner.headers)
    assert not_allowed["status"] == 405
    scoped = await _both(
        app, client, "POST", f"{ws}/people", headers=bearer(key["secret"]), json={}
    )
    assert scoped["status"] == 403


ODD_BODIES: list[tuple[bytes, int]] = [
    # Pydantic's own JSON reading (`_read_body`) meets these; FastAPI's is the answer.
    (b'{"given_name": "Ada", "given_name": "Bo"}', 201),
    (b' {"given_name": "Ada", "emails": [{"address": "ada@example.com"}]} ', 201),
    (b'\xef\xbb\xbf{"given_name": "Ada"}', 201),
    (b'{"given_name": "\\ud800"}', 422),
    (b'{"given_name": "Ada", "emails": [{"address": 7}]}', 422),
    (b'{"given_name": "Ada", "unknown": 1}', 422),
    (b'{"given_name": "Ada\\u0000"}', 422),
    (b"null", 422),
]


@pytest.mark.parametrize(("content", "status"), ODD_BODIES)
async def test_bodies_read_in_one_pass_answer_as_fastapi_does(
    app: Any, client: httpx.AsyncClient, owner: Account, content: bytes, status: int
) -> None:
    headers = {**owner.headers, "Content-Type": "application/json"}
    url = f"/v1/workspaces/{owner.workspace_id}/people"
    answer = await _both(app, client, "POST", url, headers=headers, content=content)
    assert answer["status"] == status, answer


async def test_a_body_its_model_accepts_is_validated_once(
    client: httpx.AsyncClient, owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []

    async def counted(**kwargs: Any) -> Any:
        calls.append(kwargs["received_body"])
        return await request_body_to_args(**kwargs)

    monkeypatch.setattr(handlers, "request_body_to_args", counted)
    url = f"/v1/workspaces/{owner.workspace_id}/people"
    created = await client.post(url, headers=owner.headers, json={"given_name": "Ada"})
    assert created.status_code == 201
    assert calls == []
    refused = await client.post(url, headers=owner.headers, json={"given_name": 7})
    assert refused.status_code == 422
    assert calls == [{"given_name": 7}]
