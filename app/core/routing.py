"""The route class every router uses (unknown query parameters refused first, and the lean
handler where a route allows it), and the table that finds a path's route by its segments."""

from __future__ import annotations

import copy
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request
from fastapi._body_limit import wrap_app_with_body_limit
from fastapi.routing import APIRoute, request_response
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.handlers import Handler, asgi, lean_handler
from app.core.query import check_query_names, query_names, reject_nul, repeatable_names


class CheckedRoute(APIRoute):
    """Query parameters holding U+0000 and unknown ones are refused before anything else runs
    (a check here rather than a dependency, which would cost a dependency per request), and
    the route runs on the lean handler of `app.core.handlers` unless it declares something
    only FastAPI's handler runs. (Which route a path reaches is `RouteTable`'s work.)

    The project's routes are built once, at import, and served by every app `create_app`
    builds, so none can name one app as its dependency overrides provider (as `include_router`
    does): the overrides are read from the app serving each request (`_overridden`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        # FastAPI's own ASGI app for the route, kept so tests can compare the two handlers.
        self.fastapi_app = self.app
        lean = lean_handler(self)
        self.lean = lean is not None
        if self.dependency_overrides_provider is not None:
            return  # FastAPI's handler already reads that provider's overrides
        if lean is not None:
            self.app = asgi(self._checked(lean), self._overridden)
        else:
            self.app = _honouring_overrides(self.app, self._overridden)

    def _overridden(self, application: Any) -> ASGIApp:
        """FastAPI's handler for this route, reading `application`'s dependency overrides.
        Built for each request while there are overrides (tests): it holds no reference to an
        app beyond the request, and overrides change between requests."""
        route = copy.copy(self)
        route.dependency_overrides_provider = application
        handler = request_response(route.get_route_handler())
        return wrap_app_with_body_limit(handler, self.max_body_size)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self._checked(super().get_route_handler())

    def _checked(self, handler: Handler) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        allowed = frozenset(query_names(self.dependant))
        repeatable = frozenset(repeatable_names(self.dependant))

        async def checked(request: Request) -> Response:
            query_string = request.scope.get("query_string")
            if query_string:
                # U+0000, raw or percent-encoded: a scan of the bytes, paid only by requests
                # with a query string (PostgreSQL cannot compare text holding it).
                if b"\x00" in query_string or b"%00" in query_string:
                    reject_nul(request)
                check_query_names(request, allowed, repeatable)
            return await handler(request)

        return checked


def _honouring_overrides(app: ASGIApp, overridden: Callable[[Any], ASGIApp]) -> ASGIApp:
    """FastAPI's ASGI app for a route, or, while the serving app has dependency overrides,
    `overridden(app)` (the check `app.core.handlers.asgi` makes for lean routes)."""

    async def route_app(scope: Scope, receive: Receive, send: Send) -> None:
        application = scope.get("app")
        if getattr(application, "dependency_overrides", None):
            await overridden(application)(scope, receive, send)
        else:
            await app(scope, receive, send)

    return route_app


class _Node:
    __slots__ = ("ends", "literal", "wildcard")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.wildcard: _Node | None = None
        self.ends: list[int] = []


# Scope keys the table's `matches` leaves for its `handle`: the path's methods for a 405, or a
# HEAD to serve with the GET route.
_ALLOW = "rapport.allow"
_HEAD = "rapport.head"


def _no_body(send: Send) -> Send:
    """`send` for a HEAD: the GET's status and headers (its `Content-Length` too), no body."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head


def _literal_segments(route: BaseRoute) -> int:
    template = getattr(route, "path_format", None) or ""
    return sum(1 for segment in template.split("/") if "{" not in segment)


class RouteTable(BaseRoute):
    """The application's routes as one route that finds a path's candidates by its segments.

    Starlette tries routes in order until one matches, so a request for the last of 110 routes
    paid for a test against each before it. The table walks a tree of the templates' segments
    (a literal segment, or any segment for a `{parameter}`) to the few routes whose shape fits
    the path, and tries those, in their original order, with their own `matches`: the first
    full match wins, else the first partial one (a known path with another method), as in
    Starlette's router. Routes whose parameter may span segments (`{…:path}`) and routes
    without a template are tried for every path.

    Beyond Starlette's router: a `HEAD` is served by the path's `GET` route, with its status
    and headers and no body; and a 405 lists in `Allow` every method of the path (Starlette's
    lists those of the first route that matched the path only). And of the routes whose
    template fits a path, only those with the most literal segments serve it
    (`…/questions/reorder` is not a question's path: a GET there is a 405, not a 404).

    `_candidates`, the tree walk, precedes every step, so that a path no template fits costs
    one walk."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = list(routes)
        self._literals = [_literal_segments(route) for route in self.routes]
        # Bounded by the routes, not by the paths asked for: one entry per set of candidates the
        # tree can give (the nodes a walk can reach together).
        self._levels: dict[tuple[int, ...], list[int]] = {}
        self._root = _Node()
        self._everywhere: list[int] = []
        for index, route in enumerate(self.routes):
            template = getattr(route, "path_format", None)
            if not isinstance(route, Route) or template is None or ":path}" in route.path:
                self._everywhere.append(index)
                continue
            node = self._root
            for segment in template.split("/"):
                if "{" in segment:
                    node.wildcard = node.wildcard or _Node()
                    node = node.wildcard
                else:
                    node = node.literal.setdefault(segment, _Node())
            node.ends.append(index)
        self._selected: BaseRoute | None = None

    def _candidates(self, path: str) -> list[int]:
        found = list(self._everywhere)
        nodes = [self._root]
        for segment in path.split("/"):
            following: list[_Node] = []
            for node in nodes:
                literal = node.literal.get(segment)
                if literal is not None:
                    following.append(literal)
                if node.wildcard is not None and segment:
                    following.append(node.wildcard)
            if not following:
                return found
            nodes = following
        for node in nodes:
            found.extend(node.ends)
        if len(found) > 1:
            found.sort()
        return found

    @property
    def path_format(self) -> str | None:
        """The template of the route the last `matches` chose (FastAPI's router reads it right
        after, with no await between, to name the request's route for its telemetry)."""
        return getattr(self._selected, "path_format", None)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path, root = scope["path"], scope.get("root_path")
        # The path the routes match (Starlette's route path): without a proxy's root path.
        if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
            path = path[len(root) :]
        candidates = self._candidates(path)
        if len(candidates) > 1:
            candidates = self._most_literal(candidates, scope)
        method = scope.get("method")
        # A HEAD is served by the GET route, without the body (`handle`).
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        # Only a route that takes the method can match fully: those are tried first, in order.
        # The others are tried only when none does, for the first partial match (a 405).
        for index in candidates:
            route = self.routes[index]
            methods = getattr(route, "methods", None)
            if methods and scope["method"] not in methods:
                continue
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                self._selected = route
                child_scope["route"] = route
                if head:
                    child_scope[_HEAD] = True
                return match, child_scope
        partial: tuple[BaseRoute, Scope] | None = None
        allowed: set[str] = set()
        for index in candidates:
            route = self.routes[index]
            match, child_scope = route.matches(scope)
            if match is Match.PARTIAL:
                partial = partial or (route, child_scope)
                allowed |= getattr(route, "methods", None) or set()
        if partial is not None:
            self._selected = partial[0]
            if "GET" in allowed:
                allowed.add("HEAD")
            partial[1].update(route=partial[0], **{_ALLOW: ", ".join(sorted(allowed))})
            return Match.PARTIAL, partial[1]
        self._selected = None
        return Match.NONE, {}

    def _most_literal(self, candidates: list[int], scope: Scope) -> list[int]:
        """Of the candidates whose template fits the path, those with the most literal segments
        (in their order); the others do not serve it, whatever the method."""
        key = tuple(candidates)
        counts = self._levels.get(key)
        if counts is None:
            # Which literal counts the candidates have depends on them alone: settled once.
            counts = sorted({self._literals[index] for index in candidates}, reverse=True)
            self._levels[key] = counts
        if len(counts) == 1:
            return candidates
        for count in counts:
            level = [index for index in candidates if self._literals[index] == count]
            if any(self.routes[index].matches(scope)[0] is not Match.NONE for index in level):
                return level
        return candidates

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allow = scope.get(_ALLOW)
        if allow is not None:
            raise HTTPException(status_code=405, headers={"Allow": allow})
        if scope.get(_HEAD):
            await scope["route"].handle({**scope, "method": "GET"}, receive, _no_body(send))
            return
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)
