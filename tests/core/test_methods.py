"""Methods as HTTP says (issue 20): a 405 lists in `Allow` every method of the path, `HEAD`
answers like the `GET` of the same URL without its body, on the real app's every route."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
from fastapi.routing import APIRoute

from app.core.routing import RouteTable
from tests.conftest import assert_problem, create_api_key
from tests.security import test_data_families as families
from tests.test_response_models import ON_COMPLETED, get_routes

world = families.world

# Headers that differ from one response to the next, whatever the method.
# `RateLimit` counts this response too.
PER_RESPONSE = {"x-request-id", "date", "ratelimit"}
# Headers that follow the body.
BODY_HEADERS = {"etag", "content-length"}
# An id of each type's shape: a 405 is answered before any id is looked up.
SOME_ID = "0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"


def _methods_by_path(app: Any) -> dict[str, set[str]]:
    paths: dict[str, set[str]] = defaultdict(set)
    for route in app.routes:
        for inner in route.routes if isinstance(route, RouteTable) else [route]:
            if isinstance(inner, APIRoute) and inner.include_in_schema:
                paths[inner.path] |= inner.methods
    return paths


def _some_url(template: str) -> str:
    values = {
        name: f"{name.removesuffix('_id')[:3]}_{SOME_ID}"
        for name in APIRoute(template, lambda: None).param_convertors
    }
    return template.format(**values)


async def test_a_405_lists_every_method_of_the_path(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    paths = _methods_by_path(app)
    assert len(paths) > 40
    for template, methods in paths.items():
        allowed = methods | ({"HEAD"} if "GET" in methods else set())
        url = _some_url(template)
        for method in ("PUT", "TRACE", *({"GET", "POST", "PATCH", "DELETE"} - methods)):
            answer = await client.request(method, url, headers=world.owner.headers)
            assert_problem(answer, 405, "method_not_allowed")
            assert set(answer.headers["allow"].split(", ")) == allowed, (method, template)


async def test_head_answers_as_get_without_the_body(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    owner = world.owner
    key = await create_api_key(client, owner, ["people:read"])
    values = {**world.ids, "workspace_id": owner.workspace_id, "key_id": key["id"]}
    heads = 0
    for route in get_routes(app):
        ids = {**values, "interview_id": world.ids["completed_interview_id"]}
        url = route.path.format(**(ids if route.operation_id in ON_COMPLETED else values))
        got = await client.get(url, headers=owner.headers)
        head = await client.head(url, headers=owner.headers)
        again = await client.get(url, headers=owner.headers)
        assert head.status_code == got.status_code, (route.path, head.text)
        assert head.content == b"", route.path
        # A representation made of the time (the stats' "now") differs from one GET to the next.
        varying = PER_RESPONSE | (set() if again.content == got.content else BODY_HEADERS)
        shown = {k: v for k, v in got.headers.items() if k not in varying}
        assert {k: v for k, v in head.headers.items() if k not in varying} == shown, route.path
        etag = again.headers.get("etag")
        if etag is not None and again.content == got.content:
            current = await client.head(url, headers={**owner.headers, "if-none-match": etag})
            assert current.status_code == 304, route.path
        heads += 1
    assert heads > 30
    # A HEAD is refused like the GET it stands for.
    unknown = f"/v1/workspaces/{owner.workspace_id}/people/per_{SOME_ID}"
    missing = await client.head(unknown, headers=owner.headers)
    assert missing.status_code == 404
    assert missing.content == b""
    anonymous = await client.head(f"/v1/workspaces/{owner.workspace_id}/people")
    assert anonymous.status_code == 401
