"""Building responses once: JSON bytes from the schema's serializer, ETag, Location, Link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from pydantic import BaseModel
from starlette.datastructures import URL
from starlette.responses import Response
from starlette.types import Scope

from app.core.etags import etag_of, matches_none, representation
from app.core.pagination import Page
from app.core.rows import RowJson
from app.core.schemas import ListPage

JSON = "application/json"
T = TypeVar("T")


def json_response(
    model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(representation(model), status_code=status, headers=headers, media_type=JSON)


def item_response(
    request: Request, model: BaseModel, *, status: int = 200, location: str | None = None
) -> Response:
    """An object with its strong ETag; 304 when the client's If-None-Match is still current."""
    return json_item_response(request, representation(model), status=status, location=location)


def json_item_response(
    request: Request, body: bytes, *, status: int = 200, location: str | None = None
) -> Response:
    """`item_response` for a representation already serialised (see `app.core.rows`)."""
    etag = etag_of(body)
    headers = {"ETag": etag}
    if location is not None:
        headers["Location"] = location
    # 304 is for safe reads only (RFC 9110 §13.1.2); a write that succeeded says so in full.
    if (
        status == 200
        and request.method in ("GET", "HEAD")
        and not matches_none(request.headers.get("if-none-match"), etag)
    ):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, headers=headers, media_type=JSON)


_ORIGINS: dict[tuple[Any, ...], str] = {}


def _origin(scope: Scope) -> str:
    """`scheme://host[:port]` as Starlette's `URL` writes it for this scope, worked out once per
    scheme, Host header and server address (bounded: the Host header is the client's)."""
    host = next((value for key, value in scope["headers"] if key == b"host"), None)
    key = (scope.get("scheme", "http"), host, scope.get("server"))
    origin = _ORIGINS.get(key)
    if origin is None:
        if len(_ORIGINS) >= 256:
            _ORIGINS.clear()
        headers = [] if host is None else [(b"host", host)]
        bare = {"scheme": key[0], "server": key[2], "path": "", "headers": headers}
        origin = _ORIGINS[key] = str(URL(scope=bare))
    return origin


def request_url_without_query(request: Request) -> str:
    """`str(request.url)` without its query, in a fraction of the time (the path escaped as
    Starlette's `URL` escapes it)."""
    path: str = request.scope["path"]
    path = path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    return _origin(request.scope) + path


def _link_headers(request: Request, next_cursor: str | None) -> dict[str, str]:
    """The request's own URL with `cursor` replaced (the same as Starlette's
    `url.include_query_params`, in a fraction of its time)."""
    if next_cursor is None:
        return {}
    base = request_url_without_query(request)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    query.append(("cursor", next_cursor))
    return {"Link": f'<{base}?{urlencode(query)}>; rel="next"'}


def list_response(request: Request, model: BaseModel, next_cursor: str | None) -> Response:
    """A list page with an RFC 8288 `Link: <…>; rel="next"` header while more pages exist."""
    return json_response(model, headers=_link_headers(request, next_cursor))


def rows_page_response(request: Request, rows: RowJson, page: Page) -> Response:
    """`page_response` for a page of rows serialised by `rows` (see `app.core.rows`)."""
    body = rows.page(page.rows, page.next_cursor)
    return Response(body, headers=_link_headers(request, page.next_cursor), media_type=JSON)


def page_response(
    request: Request, list_model: type[ListPage[T]], data: list[T], page: Page
) -> Response:
    """One page of a list in its envelope (`data`, `has_more`, `next_cursor`), with its Link."""
    body = list_model(data=data, has_more=page.has_more, next_cursor=page.next_cursor)
    return list_response(request, body, page.next_cursor)


def no_content() -> Response:
    return Response(status_code=204)
