"""The Link header's base URL is the request URL Starlette would write, without its query."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from app.core.responses import request_url_without_query


@pytest.mark.parametrize(
    ("scheme", "host", "server", "path"),
    [
        ("http", b"rapport.test", ("127.0.0.1", 8000), "/v1/workspaces/wsp_1/people"),
        ("https", b"api.example.com:8443", ("10.0.0.1", 443), "/v1/x"),
        ("https", b"[2001:db8::1]:8443", None, "/v1/x"),
        ("http", None, ("127.0.0.1", 80), "/v1/people"),
        ("https", None, ("10.0.0.2", 8443), "/v1/people"),
        ("http", None, ("::1", 8080), "/v1/people"),
        ("http", b"bad host:port:x", ("127.0.0.1", 8000), "/v1/people"),
        ("http", b"rapport.test", None, "/v1/odd?path#with\\escapes/é"),
    ],
)
def test_the_base_is_starlettes_url_without_its_query(
    scheme: str, host: bytes | None, server: tuple[str, int] | None, path: str
) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": path,
        "root_path": "",
        "query_string": b"limit=2&cursor=abc",
        "headers": [] if host is None else [(b"host", host)],
    }
    for _ in range(2):  # computed, then remembered
        request = Request(scope)
        assert request_url_without_query(request) == str(request.url).partition("?")[0]
