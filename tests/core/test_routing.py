"""The route table finds the route Starlette's one-by-one search would have found, with its
two rules: a path is served by the routes that fit it with the most literal segments, and a HEAD
by the GET route."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from starlette.routing import Match, NoMatchFound

from app.core.routing import CheckedRoute, RouteTable


def _literals(route: Any) -> int:
    return sum(1 for part in (route.path_format or "").split("/") if "{" not in part)


def _linear(routes: list[Any], scope: dict[str, Any]) -> tuple[Match, Any]:
    """Starlette's router (the first full match, else the first partial one) with the table's
    two rules: only the fitting routes with the most literal segments serve a path, and a HEAD
    is served by the GET route."""
    fitting = [route for route in routes if route.matches(scope)[0] is not Match.NONE]
    if fitting:
        most = max(_literals(route) for route in fitting)
        routes = [route for route in routes if _literals(route) >= most]
    if scope["method"] == "HEAD":
        scope = {**scope, "method": "GET"}
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return match, route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)


def _scope(method: str, path: str, root_path: str = "") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": root_path}


def _table(app: Any) -> RouteTable:
    (table,) = [route for route in app.routes if isinstance(route, RouteTable)]
    return table


def test_every_route_of_the_app_is_found_as_starlette_finds_it(app: Any) -> None:
    table = _table(app)
    paths = {re.sub(r"\{[^}]*\}", "x1", route.path) for route in table.routes}
    paths |= {p + "/" for p in paths} | {p + "/extra" for p in paths} | {"/", "/v1", "/nope"}
    for path in sorted(paths):
        for method in ("GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"):
            scope = _scope(method, path)
            expected_match, expected_route = _linear(table.routes, scope)
            match, child_scope = table.matches(scope)
            assert match is expected_match, (method, path)
            assert child_scope.get("route") is expected_route, (method, path)
            if expected_route is not None:
                assert table.path_format == expected_route.path_format


def _router() -> APIRouter:
    router = APIRouter(route_class=CheckedRoute)

    async def endpoint() -> dict[str, str]:
        return {}

    # Declared in this order: in Starlette the parameter route would shadow the literal one;
    # here the literal one serves its path.
    router.add_api_route("/things/{thing_id}", endpoint, methods=["GET"], name="thing")
    router.add_api_route("/things/special", endpoint, methods=["GET", "POST"], name="special")
    router.add_api_route("/files/{rest:path}", endpoint, methods=["GET"], name="files")
    router.add_api_route("/things", endpoint, methods=["POST"], name="things")
    return router


@pytest.mark.parametrize(
    ("method", "path", "root_path", "expected"),
    [
        ("GET", "/things/special", "", "/things/special"),
        ("POST", "/things/special", "", "/things/special"),
        ("DELETE", "/things/special", "", "/things/special"),
        ("HEAD", "/things/7", "", "/things/{thing_id}"),
        ("HEAD", "/things", "", "/things"),
        ("GET", "/files/a/b/c", "", "/files/{rest:path}"),
        ("GET", "/things", "", "/things"),
        ("GET", "/things//", "", None),
        ("GET", "/things/", "", None),
        ("GET", "/api/things/7", "/api", "/things/{thing_id}"),
        ("GET", "/api/things", "/api", "/things"),
        ("GET", "/apithings/7", "/api", None),
        ("GET", "/api", "/api", None),
    ],
)
def test_order_partial_matches_spanning_parameters_and_root_paths(
    method: str, path: str, root_path: str, expected: str | None
) -> None:
    table = RouteTable(_router().routes)
    scope = _scope(method, path, root_path)
    expected_match, expected_route = _linear(table.routes, scope)
    match, child_scope = table.matches(scope)
    assert match is expected_match
    assert child_scope.get("route") is expected_route
    assert getattr(expected_route, "path", None) == expected


async def test_the_table_serves_405_redirects_and_url_paths() -> None:
    app = FastAPI()
    app.router.routes.insert(0, RouteTable(_router().routes))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/things/7")).status_code == 200
        not_allowed = await client.delete("/things")
        assert not_allowed.status_code == 405
        assert not_allowed.headers["allow"] == "POST"
        # Every method of the path, not those of the first route that fits it.
        special = await client.delete("/things/special")
        assert special.status_code == 405
        assert special.headers["allow"] == "GET, HEAD, POST"
        head = await client.head("/things/7")
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len((await client.get("/things/7")).content))
        assert (await client.head("/things")).headers["allow"] == "POST"
        redirected = await client.get("/things/7/")
        assert redirected.status_code == 307
        assert redirected.headers["location"] == "http://t/things/7"
        assert (await client.get("/elsewhere")).status_code == 404
    assert app.url_path_for("thing", thing_id="7") == "/things/7"
    with pytest.raises(NoMatchFound):
        app.url_path_for("nothing")
