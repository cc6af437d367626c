"""Browsers may call the API only from the configured origins."""

from __future__ import annotations

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import client_for


async def test_configured_origins_may_call_and_read_our_headers() -> None:
    app = create_app(Settings(cors_origins=["https://app.example.com"]))
    async with app.router.lifespan_context(app), client_for(app) as client:
        preflight = await client.options(
            "/v1/workspaces",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, if-match",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
        simple = await client.get("/healthz", headers={"Origin": "https://app.example.com"})
        exposed = simple.headers["access-control-expose-headers"].lower()
        assert {"etag", "idempotent-replayed", "link", "location", "x-request-id"} <= set(
            exposed.replace(" ", "").split(",")
        )
        stranger = await client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers
