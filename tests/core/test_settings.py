"""Configuration comes from the environment; production never runs on a made-up secret."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from app.core.settings import Settings


def test_development_generates_and_keeps_a_private_secret(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    settings = Settings(env="development", secret_key=None, secret_key_file=path)
    first = settings.signing_key()
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(env="development", secret_key=None, secret_key_file=path).signing_key() == first


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    with pytest.raises(RuntimeError, match="RAPPORT_SECRET_KEY"):
        Settings(env="production", secret_key=None, secret_key_file=path).signing_key()
    assert not path.exists()
    with pytest.raises(RuntimeError, match="32"):
        Settings(env="production", secret_key=SecretStr("short")).signing_key()
    generated = "bcba4048f3084cd48c4e2439a3bd95dc2fa509163d1f18735311eef7e435a35c"
    assert Settings(env="production", secret_key=SecretStr(generated)).signing_key() == generated


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@db:5432/rapport")
    monkeypatch.setenv("RAPPORT_CORS_ORIGINS", "https://app.example.com, https://coach.example.com")
    monkeypatch.setenv("RAPPORT_ACCESS_TOKEN_TTL_SECONDS", "600")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/rapport"
    assert settings.cors_origins == ["https://app.example.com", "https://coach.example.com"]
    assert settings.access_token_ttl_seconds == 600


def test_invalid_configuration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_ENV", "staging")
    with pytest.raises(ValueError, match="env"):
        Settings()


@pytest.mark.parametrize("enabled", [False, True])
async def test_fastapi_opentelemetry_is_consulted_only_when_enabled(
    monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    from opentelemetry import trace

    from app.main import create_app

    asked: list[object] = []
    real = trace.get_tracer_provider

    def counting() -> trace.TracerProvider:
        asked.append(object())
        return real()

    monkeypatch.setattr(trace, "get_tracer_provider", counting)
    app = create_app(Settings(opentelemetry=enabled))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as client:
        assert (await client.get("/healthz")).status_code == 200
    assert bool(asked) is enabled
