"""Forwarded headers (`X-Forwarded-For`, `X-Forwarded-Proto`) are believed only from the proxies
that `RAPPORT_TRUSTED_PROXIES` names, whichever way the app is served."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import ValidationError

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import assert_problem, unique_email
from tests.security.serving import SERVING_MODES, served


def peer_app(settings: Settings) -> FastAPI:
    """The app with one more route, for these tests only: the client address and scheme the
    app's routes see (what the login throttle counts)."""
    app = create_app(settings)

    @app.get("/test/peer")
    async def peer(request: Request) -> dict[str, str]:
        assert request.client is not None
        return {"host": request.client.host, "scheme": request.url.scheme}

    return app


def client_from(app: Any, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://rapport.test")


async def seen_by_the_app(app: Any, peer: str, headers: dict[str, str]) -> dict[str, str]:
    async with client_from(app, peer) as client:
        response = await client.get("/test/peer", headers=headers)
    assert response.status_code == 200, response.text
    seen: dict[str, str] = response.json()
    return seen


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def untrusting_app() -> FastAPI:
    return peer_app(Settings())


@pytest.fixture(scope="module")
def trusting_app() -> FastAPI:
    return peer_app(Settings(trusted_proxies="10.0.0.0/8, 192.0.2.7"))


@pytest.mark.parametrize("mode", SERVING_MODES)
async def test_no_serving_mode_lets_a_client_choose_its_address(
    untrusting_app: FastAPI, mode: str
) -> None:
    app = served(untrusting_app, mode).loaded_app
    # Loopback too: uvicorn's own handling of these headers trusts it by default.
    for peer in ("127.0.0.1", "::1", "198.51.100.20"):
        assert await seen_by_the_app(app, peer, FORWARDED) == {"host": peer, "scheme": "http"}


async def _failed_logins_until_refused(app: Any, *, rotate_forwarded_for: bool) -> int:
    """Failed password logins, each for another unknown account, from one peer, until 429."""
    peer = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"
    async with client_from(app, peer) as client:
        for attempt in range(60):
            headers = {}
            if rotate_forwarded_for:
                headers["X-Forwarded-For"] = f"2001:db8:{secrets.token_hex(2)}:{attempt:x}::1"
            response = await client.post(
                "/v1/auth/token",
                data={
                    "grant_type": "password",
                    "username": unique_email("guess"),
                    "password": "not the password",
                },
                headers=headers,
            )
            if response.status_code == 429:
                assert_problem(response, 429, "rate_limited")
                return attempt
            assert_problem(response, 400, "invalid_grant")
    return 60


async def test_a_rotating_forwarded_for_buys_no_more_failed_logins(app: FastAPI) -> None:
    production = served(app, "Dockerfile").loaded_app
    plain = await _failed_logins_until_refused(production, rotate_forwarded_for=False)
    rotating = await _failed_logins_until_refused(production, rotate_forwarded_for=True)
    assert plain < 60, "the per-address limit was never reached"
    assert rotating == plain


async def test_a_trusted_proxy_forwards_the_client_address_and_scheme(
    trusting_app: FastAPI,
) -> None:
    for mode in SERVING_MODES:
        app = served(trusting_app, mode).loaded_app
        assert await seen_by_the_app(app, "10.1.2.3", FORWARDED) == {
            "host": "203.0.113.9",
            "scheme": "https",
        }, mode
        assert (await seen_by_the_app(app, "192.0.2.7", FORWARDED))["host"] == "203.0.113.9"


async def test_only_trusted_hops_of_the_chain_are_skipped(trusting_app: FastAPI) -> None:
    # Each proxy appends the address it saw: the client is the last hop no trusted proxy
    # vouches for, whatever the client wrote at the start of the header itself.
    chain = {"X-Forwarded-For": "198.51.100.66, 203.0.113.9, 10.9.9.9"}
    assert (await seen_by_the_app(trusting_app, "10.1.2.3", chain))["host"] == "203.0.113.9"
    assert await seen_by_the_app(trusting_app, "10.1.2.3", {}) == {
        "host": "10.1.2.3",
        "scheme": "http",
    }
    # A neighbour of the trusted address is not trusted.
    assert await seen_by_the_app(trusting_app, "192.0.2.8", FORWARDED) == {
        "host": "192.0.2.8",
        "scheme": "http",
    }


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().trusted_proxies == []
    monkeypatch.setenv("RAPPORT_TRUSTED_PROXIES", " 10.0.0.0/8, 2001:db8::/32 ,192.0.2.7")
    assert Settings().trusted_proxies == ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"]
    for wrong in ("*", "proxy.internal", "10.0.0.0/33"):
        with pytest.raises(ValidationError, match="RAPPORT_TRUSTED_PROXIES"):
            Settings(trusted_proxies=wrong)
