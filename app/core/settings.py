"""Configuration: every setting comes from the environment, read once into `Settings`."""

from __future__ import annotations

import ipaddress
import math
import secrets
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.rate_limits import policy


class Settings(BaseSettings):
    """Rapport's settings. Environment variables are `RAPPORT_<NAME>`, except `DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    # Swagger UI, ReDoc and /openapi.json; off (404), the default in production. (Declared
    # right after `env`, its default's one input: a default computed from validated fields
    # is skipped, with an error of its own, when any field before it is invalid.)
    public_docs: bool = Field(default_factory=lambda data: data.get("env") != "production")
    database_url: str = Field(
        default="sqlite+aiosqlite:///./rapport.db",
        validation_alias=AliasChoices("DATABASE_URL", "RAPPORT_DATABASE_URL"),
    )
    secret_key: SecretStr | None = None
    # Where a development secret is kept when RAPPORT_SECRET_KEY is unset (never in production).
    secret_key_file: Path = Path(".rapport-secret-key")
    cors_origins: Annotated[list[str], NoDecode] = []
    # Proxies (addresses or CIDR networks) whose X-Forwarded-For and X-Forwarded-Proto are
    # believed; from any other peer they are ignored and the client is the socket's peer.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=3_600)
    # Failed logins tolerated per window before 429: per account from one client address, per
    # account from all addresses together (a ceiling, so that guesses from elsewhere cannot lock
    # the owner out of their own address), and per client address.
    login_window_seconds: int = Field(default=900, ge=1)
    login_max_failures_per_account_address: int = Field(default=5, ge=1)
    login_max_failures_per_account: int = Field(default=100, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    # Sign-up attempts per client address (IPv6: per /64) per window before 429.
    signup_window_seconds: int = Field(default=3_600, ge=1)
    signup_max_per_address: int = Field(default=10, ge=1)
    # Requests per window (docs/api.md, "Rate limits"): per API key, per user (all their tokens
    # together), and per client address (IPv6: per /64) for requests without a credential;
    # `limits` strings such as 1200/minute. Counted in this process's memory, or in Redis
    # (`redis://host:port/db`) to share them between processes and machines.
    rate_limit_api_key: str = "1200/minute"
    rate_limit_user: str = "600/minute"
    rate_limit_address: str = "300/minute"
    rate_limit_storage: str = "memory://"
    # A refresh token presented again this soon after its rotation gets the same new pair
    # (a retry, two tabs) instead of revoking its session; 0 disables.
    refresh_grace_seconds: int = Field(default=30, ge=0, le=300)
    # How long a process may trust a verified API key or a user's role without asking the
    # database again (0 disables). Changes through the same process take effect at once.
    auth_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # How long an invitation to a workspace can be accepted (7 days, as GitHub's).
    invitation_ttl_seconds: int = Field(default=7 * 86_400, ge=60, le=90 * 86_400)
    # Argon2id cost (RFC 9106 defaults); tests lower it to stay fast.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=1_024)
    # Argon2 computations running at once per process; the others wait their turn, so that a
    # burst of sign-ups or logins leaves CPU for every other request (2 suits two cores).
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    db_pool_size: int = Field(default=32, ge=1, le=500)
    # The PostgreSQL pool (app.core.db.PoolOptions says what each does; docs/deploy.md).
    db_acquire_timeout_ms: int = Field(default=5_000, ge=1, le=600_000)
    db_connect_timeout_ms: int = Field(default=5_000, ge=1, le=600_000)
    db_check_after_idle_ms: int = Field(default=5_000, ge=0, le=3_600_000)
    db_max_lifetime_s: int = Field(default=3_600, ge=1, le=7 * 86_400)
    db_idle_timeout_s: int = Field(default=300, ge=1, le=86_400)
    db_retry_interval_ms: int = Field(default=1_000, ge=0, le=60_000)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0, le=3_600_000)
    db_pgbouncer: bool = False
    log_level: str = "INFO"
    # Bearer token that /metrics requires; unset, /metrics answers 404.
    metrics_token: SecretStr | None = None
    # FastAPI's native OpenTelemetry (spans, metrics, logs through the process's globally
    # configured providers). Off, a request skips its check of those providers (~10 µs).
    opentelemetry: bool = False

    @field_validator("rate_limit_api_key", "rate_limit_user", "rate_limit_address")
    @classmethod
    def _one_limit(cls, value: str) -> str:
        policy("setting", value)  # refused at start-up, not at the first request
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://", "async+")):
            raise ValueError("memory:// or redis://host:port/db")
        return value

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        networks = []
        for item in value:
            try:
                networks.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(
                    f"RAPPORT_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR network"
                ) from None
        return networks

    def signing_key(self) -> str:
        """The key that signs access tokens; generated into a local file outside production."""
        if self.secret_key is not None:
            key = self.secret_key.get_secret_value()
            if self.env == "production" and len(key) < 32:
                raise RuntimeError("RAPPORT_SECRET_KEY must be at least 32 characters")
            if self.env == "production" and _estimated_bits(key) < MIN_SECRET_BITS:
                raise RuntimeError(
                    "RAPPORT_SECRET_KEY looks guessable (repeated characters or words): use a "
                    "generated one, such as `openssl rand -hex 32`"
                )
            return key
        if self.env == "production":
            raise RuntimeError("RAPPORT_SECRET_KEY must be set when RAPPORT_ENV=production")
        path = self.secret_key_file
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key + "\n")
        return key


# A production key must reach this by `_estimated_bits`. Generated keys clear it by far
# (`openssl rand -hex 32`: 218 or more; `secrets.token_urlsafe(32)`: 184 or more); 32 hex
# characters almost never do (128 at most), nor repeated characters or words (`"password" * 4`:
# 88).
MIN_SECRET_BITS = 128


def _estimated_bits(key: str) -> float:
    """The key's length times the Shannon entropy of its characters' frequencies: about the
    bits of a key drawn at random from its alphabet, and low for one of repeated characters or
    words, however long."""
    counts = Counter(key).values()
    return -sum(n * math.log2(n / len(key)) for n in counts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
