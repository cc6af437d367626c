"""The route class every router uses: a cheap test before the path's regular expression,
unknown query parameters refused first, and the lean handler where a route allows it."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from app.core.handlers import Handler, asgi, lean_handler
from app.core.query import query_names, reject_unknown

_PARAMETER = re.compile(r"\{[^}]*\}")


class CheckedRoute(APIRoute):
    """Routes are tried in order until one matches, so a request for one of the last routes
    tests the path against every route before it (about 3 µs each in FastAPI). A path can only
    match a template with as many `/` (a parameter never spans one, except `{…:path}`) that
    contains each of its static pieces (`/v1/workspaces/`, `/people/`…): testing those first
    costs a fraction of that, and the regular expression still decides.

    Unknown query parameters are refused before anything else runs (a check here rather than a
    dependency, which would cost a dependency per request), and the route runs on the lean
    handler of `app.core.handlers` unless it declares something only FastAPI's handler runs."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self._pieces = tuple(p for p in _PARAMETER.split(self.path_format) if p)
        spans = any(":path}" in parameter for parameter in _PARAMETER.findall(self.path))
        self._slashes = None if spans else self.path_format.count("/")
        # FastAPI's own ASGI app for the route, kept so tests can compare the two handlers.
        self.fastapi_app = self.app
        lean = lean_handler(self)
        self.lean = lean is not None
        if lean is not None:
            self.app = asgi(self._checked(lean))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope["path"]
        # Behind a root path (a proxy's prefix) the count would include it: skip the count.
        slashes = self._slashes
        if slashes is not None and not scope.get("root_path") and path.count("/") != slashes:
            return Match.NONE, {}
        for piece in self._pieces:
            if piece not in path:
                return Match.NONE, {}
        return super().matches(scope)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self._checked(super().get_route_handler())

    def _checked(self, handler: Handler) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        allowed = frozenset(query_names(self.dependant))

        async def checked(request: Request) -> Response:
            if request.scope.get("query_string"):
                reject_unknown(request, allowed)
            return await handler(request)

        return checked
