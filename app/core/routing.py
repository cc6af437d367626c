"""The route class every router uses: unknown query parameters refused first, and a cheap
test before the path's regular expression."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from app.core.query import query_names, reject_unknown

_PARAMETER = re.compile(r"\{[^}]*\}")


class CheckedRoute(APIRoute):
    """Routes are tried in order until one matches, so a request for one of the last routes
    tests the path against every route before it (about 3 µs each in FastAPI). A path can only
    match if it contains each static piece of the route's template (`/v1/workspaces/`,
    `/people/`…): testing that first is a fraction of that cost, and the regular expression
    still decides. Unknown query parameters are refused before anything else runs (a check
    here rather than a dependency, which would cost a dependency per request)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self._pieces = tuple(p for p in _PARAMETER.split(self.path_format) if p)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        for piece in self._pieces:
            if piece not in path:
                return Match.NONE, {}
        return super().matches(scope)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed = frozenset(query_names(self.dependant))

        async def checked(request: Request) -> Response:
            if request.scope.get("query_string"):
                reject_unknown(request, allowed)
            return await handler(request)

        return checked
