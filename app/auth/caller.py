"""Who is calling (a user's access token or an API key) and what they may do in a workspace."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, select, update

from app.api_keys.models import api_keys
from app.auth.models import refresh_tokens
from app.auth.scopes import KEY_SCOPES, ROLE_SCOPES, Role, expand
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
    # The login session (refresh token family) a user's access token was issued in.
    session_id: str | None = None
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

    Forgetting wins every race with a lookup in flight: a lookup notes the cache's generation
    before it reads the database, and `put` stores its answer only if nothing was forgotten
    since (an answer read before a revocation committed could otherwise be stored after the
    revocation cleared the cache, and be trusted for a whole TTL).
    """

    def __init__(self, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[tuple[str, ...], tuple[float, object]] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Read before a lookup; pass to `put` with its answer."""
        return self._generation

    def get(self, key: tuple[str, ...]) -> object:
        entry = self._entries.get(key)
        if entry is None:
            return _MISS
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return _MISS
        return entry[1]

    def put(self, key: tuple[str, ...], value: object, generation: int) -> None:
        if self.ttl <= 0 or generation != self._generation:
            return
        if len(self._entries) >= self._max:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def forget_key(self, key_id: str) -> None:
        self._generation += 1
        for key, (_, value) in list(self._entries.items()):
            if isinstance(value, Caller) and value.api_key_id == key_id:
                self._entries.pop(key, None)

    def forget_sessions(self, user_id: str) -> None:
        """Some of the user's sessions ended: whether each is alive is read again."""
        self._generation += 1
        for key, (_, value) in list(self._entries.items()):
            if key[0] == "session" and value == (user_id, True):
                self._entries.pop(key, None)

    def forget_workspace(self, workspace_id: str) -> None:
        """A membership changed: members' roles, and the keys whose power follows their
        creator's role, are read again."""
        self._generation += 1
        for key, (_, value) in list(self._entries.items()):
            is_role = key[0] == "role" and key[1] == workspace_id
            if is_role or (isinstance(value, Caller) and value.key_workspace_id == workspace_id):
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


# The key, with its creator's current role in its workspace (none once they have left it):
# a key never grants more than its creator may do now.
_key_with_creator = api_keys.outerjoin(
    memberships,
    and_(
        memberships.c.workspace_id == api_keys.c.workspace_id,
        memberships.c.user_id == api_keys.c.created_by,
    ),
)
_key_by_hash = (
    select(
        api_keys.c.id,
        api_keys.c.workspace_id,
        api_keys.c.scopes,
        api_keys.c.expires_at,
        api_keys.c.revoked_at,
        api_keys.c.last_used_at,
        memberships.c.role.label("creator_role"),
    )
    .select_from(_key_with_creator)
    .where(api_keys.c.secret_hash == bindparam("secret_hash"))
)

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
    db: Db,
    *,
    authorization: str | None,
    signing_key: str,
    cache: CallerCache,
    fresh: bool = False,
) -> Caller:
    """Verify the `Authorization: Bearer …` credential; 401 when absent or not valid. `fresh`
    reads an API key from the database even when this process remembers it."""
    if not authorization:
        raise Unauthenticated()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Use `Authorization: Bearer <token>`.")
    if token.startswith(API_KEY_PREFIX):
        return await _api_key_caller(db, token, cache, fresh=fresh)
    claims = read_access_token(token, signing_key)
    if claims is None:
        raise Unauthenticated("The access token is invalid or has expired.", code="invalid_token")
    if not await _session_alive(db, claims.user_id, claims.session_id, cache, fresh=fresh):
        raise Unauthenticated(
            "The session of this access token has ended (signed out, or revoked).",
            code="invalid_token",
        )
    return Caller(user_id=claims.user_id, session_id=claims.session_id)


# A session is alive while a refresh token of its family is not revoked (ending a session
# revokes them all at once).
_session_is_alive = select(
    exists().where(
        refresh_tokens.c.family_id == bindparam("session_id"),
        refresh_tokens.c.user_id == bindparam("user_id"),
        refresh_tokens.c.revoked_at.is_(None),
    )
)


async def _session_alive(
    db: Db, user_id: str, session_id: str, cache: CallerCache, *, fresh: bool
) -> bool:
    cache_key = ("session", session_id)
    if not fresh:
        cached = cache.get(cache_key)
        if isinstance(cached, tuple):
            return bool(cached == (user_id, True))
    generation = cache.generation
    alive = bool(await db.scalar(_session_is_alive, {"session_id": session_id, "user_id": user_id}))
    cache.put(cache_key, (user_id, alive), generation)
    return alive


def key_scopes(stored: list[str], creator_role: str | None) -> frozenset[str]:
    """What a key may do now: its scopes, within what keys may hold and its creator's role."""
    if creator_role is None:
        return frozenset()
    return expand(stored) & KEY_SCOPES & ROLE_SCOPES[Role(creator_role)]


async def _api_key_caller(db: Db, token: str, cache: CallerCache, *, fresh: bool) -> Caller:
    secret_hash = digest(token)
    now = utcnow()
    if not fresh:
        cached = cache.get(("key", secret_hash))
        if isinstance(cached, Caller):
            if cached.key_expires_at is None or cached.key_expires_at > now:
                return cached
            raise Unauthenticated("The API key has expired.", code="invalid_token")
    generation = cache.generation
    row = await db.first(_key_by_hash, {"secret_hash": secret_hash})
    if row is None:
        raise Unauthenticated("The API key is not valid.", code="invalid_token")
    if row["revoked_at"] is not None:
        raise Unauthenticated("The API key has been revoked.", code="invalid_token")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthenticated("The API key has expired.", code="invalid_token")
    if row["creator_role"] is None:
        raise Unauthenticated(
            "The API key's creator is no longer a member of its workspace.", code="invalid_token"
        )
    last_used = row["last_used_at"]
    if last_used is None or now - last_used >= _LAST_USED_GRANULARITY:
        await db.execute(_touch_key, {"key_id": row["id"], "now": now})
    caller = Caller(
        api_key_id=row["id"],
        key_workspace_id=row["workspace_id"],
        key_scopes=key_scopes(row["scopes"], row["creator_role"]),
        key_expires_at=row["expires_at"],
    )
    cache.put(("key", secret_hash), caller, generation)
    return caller


async def workspace_access(
    db: Db, *, caller: Caller, workspace_id: str, cache: CallerCache, fresh: bool = False
) -> WorkspaceAccess:
    """The caller's access to `workspace_id`; 404 when it is not theirs to see, as if missing.
    `fresh` reads a user's role from the database even when this process remembers it."""
    if not ids.is_valid(workspace_id, "wsp"):
        raise _no_workspace()
    if caller.user_id is None:
        if caller.key_workspace_id != workspace_id:
            raise _no_workspace()
        return WorkspaceAccess(caller, workspace_id, None)
    cache_key = ("role", workspace_id, caller.user_id)
    role = _MISS if fresh else cache.get(cache_key)
    if role is _MISS:
        generation = cache.generation
        role = await db.scalar(_role_of, {"workspace_id": workspace_id, "user_id": caller.user_id})
        cache.put(cache_key, role, generation)  # "not a member" too, until a change here
    if role is None:
        raise _no_workspace()
    return WorkspaceAccess(caller, workspace_id, Role(str(role)))


_key_now = (
    select(api_keys.c.scopes, api_keys.c.expires_at, memberships.c.role.label("creator_role"))
    .select_from(_key_with_creator)
    .where(api_keys.c.id == bindparam("key_id"), api_keys.c.revoked_at.is_(None))
    .with_for_update(of=api_keys)
)


async def confirm_access(db: Db, *, access: WorkspaceAccess, scope: str) -> None:
    """For privileged writes (API keys, workspace settings), inside their transaction: the
    caller's role, or the key and its creator's role, as the database has them now, locked until
    the commit so that a concurrent demotion, removal or revocation waits for this change or
    comes first and refuses it. Never the cache: another process may have just changed them."""
    if access.caller.user_id is not None:
        role = await db.scalar(
            _role_of.with_for_update(),
            {"workspace_id": access.workspace_id, "user_id": access.caller.user_id},
        )
        if role is None:
            raise _no_workspace()
        WorkspaceAccess(access.caller, access.workspace_id, Role(str(role))).require(scope)
        return
    row = await db.first(_key_now, {"key_id": access.caller.api_key_id})
    if row is None or row["creator_role"] is None:
        raise Unauthenticated("The API key is no longer valid.", code="invalid_token")
    if row["expires_at"] is not None and row["expires_at"] <= utcnow():
        raise Unauthenticated("The API key has expired.", code="invalid_token")
    now_scopes = key_scopes(row["scopes"], row["creator_role"])
    WorkspaceAccess(
        replace(access.caller, key_scopes=now_scopes), access.workspace_id, None
    ).require(scope)


def _no_workspace() -> NotFound:
    # Made only when refused: building a problem costs more than the check that needs it.
    return NotFound("No workspace has that id.")
