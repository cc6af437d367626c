"""Small steps the auth tests share: the two OAuth2 grants and a look into the users table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from app.auth.models import login_throttles, refresh_tokens, users
from app.core.db import Database
from app.core.security import digest
from tests.conftest import PASSWORD

TOKEN_URL = "/v1/auth/token"


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """The OAuth2 password grant, form-encoded as RFC 6749 §4.3 asks."""
    return await client.post(
        TOKEN_URL, data={"grant_type": "password", "username": email, "password": password}
    )


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    """The OAuth2 refresh_token grant."""
    return await client.post(
        TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def users_with_email(database: Database, email: str) -> int:
    """How many users hold this email (case-insensitively)."""
    stmt = select(func.count()).select_from(users).where(users.c.email_key == email.lower())
    return int(await database.reader().scalar(stmt))


async def refresh_tokens_of(database: Database, user_id: str) -> int:
    """How many refresh tokens were ever issued to this user."""
    stmt = (
        select(func.count()).select_from(refresh_tokens).where(refresh_tokens.c.user_id == user_id)
    )
    return int(await database.reader().scalar(stmt))


async def throttle_failures(database: Database, key: str) -> int | None:
    """The failure counter the login throttle keeps for `account:<email>` or `address:<ip>`."""
    stmt = select(login_throttles.c.failures).where(login_throttles.c.key == key)
    value = await database.reader().scalar(stmt)
    return None if value is None else int(value)


async def outlive_refresh_grace(app: Any, database: Database, refresh_token: str) -> None:
    """Move a rotated refresh token's rotation back past the grace window, as if presented late."""
    grace = timedelta(seconds=app.state.token_policy.refresh_grace_seconds + 1)
    used = refresh_tokens.c.token_hash == digest(refresh_token)
    async with database.transaction() as db:
        rotated_at = await db.scalar(select(refresh_tokens.c.rotated_at).where(used))
        await db.execute(update(refresh_tokens).where(used).values(rotated_at=rotated_at - grace))
