"""Who is calling (a user's access token or an API key) and what they may do in a workspace."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from app.api_keys.models import api_keys
from app.auth.scopes import ROLE_SCOPES, Role, expand
from app.core import ids
from app.core.db import Db, utcnow
from app.core.errors import Forbidden, NotFound, Unauthenticated
from app.core.security import digest, read_access_token
from app.workspaces.models import memberships

API_KEY_PREFIX = "rk_live_"
# last_used_at is informational: refreshing it at most once a minute keeps reads read-only.
_LAST_USED_GRANULARITY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Caller:
    """A verified credential: a user (by access token) or an API key bound to one workspace."""

    user_id: str | None = None
    api_key_id: str | None = None
    key_workspace_id: str | None = None
    key_scopes: frozenset[str] = frozenset()
    key_expires_at: datetime | None = None

    @property
    def is_user(self) -> bool:
        return self.user_id is not None


class CallerCache:
    """Verified API keys and users' roles, kept per process for a few seconds so that a request
    costs no lookup of its caller. Changes made through this process forget the affected entries
    as soon as they commit; other processes see them within `ttl_seconds`. A TTL of 0 disables it.
    """

    def __init__(self, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[tuple[str, ...], tuple[float, object]] = {}

    def get(self, key: tuple[str, ...]) -> object:
        entry = self._entries.get(key)
        if entry is None:
            return _MISS
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return _MISS
        return entry[1]

    def put(self, key: tuple[str, ...], value: object) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self._max:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def forget_key(self, key_id: str) -> None:
        for key, (_, value) in list(self._entries.items()):
            if isinstance(value, Caller) and value.api_key_id == key_id:
                self._entries.pop(key, None)

    def forget_workspace_roles(self, workspace_id: str) -> None:
        for key in list(self._entries):
            if key[0] == "role" and key[1] == workspace_id:
                self._entries.pop(key, None)


_MISS = object()


@dataclass(frozen=True, slots=True)
class WorkspaceAccess:
    """The caller inside one workspace they may see; `require` enforces role or scope."""

    caller: Caller
    workspace_id: str
    role: Role | None

    def allows(self, scope: str) -> bool:
        if self.role is not None:
            return scope in ROLE_SCOPES[self.role]
        return scope in self.caller.key_scopes

    def require(self, scope: str) -> None:
        if self.allows(scope):
            return
        if self.role is not None:
            raise Forbidden(f"The {self.role.value} role does not allow this (needs `{scope}`).")
        raise Forbidden(
            f"This API key lacks the `{scope}` scope.", code="insufficient_scope", scope=scope
        )

    def require_user(self) -> None:
        """Some actions belong to people, not integrations (managing API keys, for one)."""
        if not self.caller.is_user:
            raise Forbidden(
                "API keys cannot do this; use a user's access token.", code="user_token_required"
            )


_key_by_hash = select(
    api_keys.c.id,
    api_keys.c.workspace_id,
    api_keys.c.scopes,
    api_keys.c.expires_at,
    api_keys.c.revoked_at,
    api_keys.c.last_used_at,
).where(api_keys.c.secret_hash == bindparam("secret_hash"))

_touch_key = (
    update(api_keys)
    .where(api_keys.c.id == bindparam("key_id"))
    .values(last_used_at=bindparam("now"))
)

_role_of = select(memberships.c.role).where(
    memberships.c.workspace_id == bindparam("workspace_id"),
    memberships.c.user_id == bindparam("user_id"),
)


async def resolve_caller(
    db: Db, authorization: str | None, signing_key: str, cache: CallerCache
) -> Caller:
    """Verify the `Authorization: Bearer …` credential; 401 when absent or not valid."""
    if not authorization:
        raise Unauthenticated()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Use `Authorization: Bearer <token>`.")
    if token.startswith(API_KEY_PREFIX):
        return await _api_key_caller(db, token, cache)
    user_id = read_access_token(token, signing_key)
    if user_id is None:
        raise Unauthenticated("The access token is invalid or has expired.", code="invalid_token")
    return Caller(user_id=user_id)


async def _api_key_caller(db: Db, token: str, cache: CallerCache) -> Caller:
    secret_hash = digest(token)
    now = utcnow()
    cached = cache.get(("key", secret_hash))
    if isinstance(cached, Caller):
        if cached.key_expires_at is None or cached.key_expires_at > now:
            return cached
        raise Unauthenticated("The API key has expired.", code="invalid_token")
    row = await db.first(_key_by_hash, {"secret_hash": secret_hash})
    if row is None:
        raise Unauthenticated("The API key is not valid.", code="invalid_token")
    if row["revoked_at"] is not None:
        raise Unauthenticated("The API key has been revoked.", code="invalid_token")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthenticated("The API key has expired.", code="invalid_token")
    last_used = row["last_used_at"]
    if last_used is None or now - last_used >= _LAST_USED_GRANULARITY:
        await db.execute(_touch_key, {"key_id": row["id"], "now": now})
    caller = Caller(
        api_key_id=row["id"],
        key_workspace_id=row["workspace_id"],
        key_scopes=expand(row["scopes"]),
        key_expires_at=row["expires_at"],
    )
    cache.put(("key", secret_hash), caller)
    return caller


async def workspace_access(
    db: Db, caller: Caller, workspace_id: str, cache: CallerCache
) -> WorkspaceAccess:
    """The caller's access to `workspace_id`; 404 when it is not theirs to see, as if missing."""
    if not ids.is_valid(workspace_id, "wsp"):
        raise _no_workspace()
    if caller.user_id is None:
        if caller.key_workspace_id != workspace_id:
            raise _no_workspace()
        return WorkspaceAccess(caller, workspace_id, None)
    cache_key = ("role", workspace_id, caller.user_id)
    role = cache.get(cache_key)
    if role is _MISS:
        role = await db.scalar(_role_of, {"workspace_id": workspace_id, "user_id": caller.user_id})
        cache.put(cache_key, role)  # "not a member" too, until a membership change here
    if role is None:
        raise _no_workspace()
    return WorkspaceAccess(caller, workspace_id, Role(str(role)))


def _no_workspace() -> NotFound:
    # Made only when refused: building a problem costs more than the check that needs it.
    return NotFound("No workspace has that id.")
