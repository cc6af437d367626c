"""Rate limits per credential and per client address, counted by the `limits` library in memory
(one process) or in Redis (shared by every process), and announced on every response with the
RateLimit header fields of draft-ietf-httpapi-ratelimit-headers-09 (docs/api.md)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.storage import storage_from_string

from app.core.errors import RateLimited
from app.core.networks import client_network

log = logging.getLogger("rapport.rate_limits")

# The kinds of caller, each with its policy (RAPPORT_RATE_LIMIT_<KIND>).
API_KEY, USER, ADDRESS = "api-key", "user", "address"
# The scope's state key of the request's `Verdict` (None: counted, but the storage failed).
RATE_LIMIT = "rate_limit"
# Reset times remembered per counter (see `RateLimits.hit`): at most this many, then forgotten.
_RESETS_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Policy:
    """A quota (`q`) per window of `w` seconds, named for the headers."""

    name: str
    item: RateLimitItem

    @property
    def quota(self) -> int:
        return int(self.item.amount)

    @property
    def window(self) -> int:
        return int(self.item.get_expiry())

    @property
    def field(self) -> str:
        return f'"{self.name}";q={self.quota};w={self.window}'


@dataclass(frozen=True, slots=True)
class Verdict:
    """One request counted: whether it is within the quota, what is left, and when the window
    resets (seconds from now)."""

    policy: Policy
    allowed: bool
    remaining: int
    reset_after: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-policy", self.policy.field.encode()),
            (
                b"ratelimit",
                f'"{self.policy.name}";r={self.remaining};t={self.reset_after}'.encode(),
            ),
        ]


def policy(kind: str, text: str) -> Policy:
    """`kind`'s policy from its setting, one `limits` item such as `600/minute`."""
    items = parse_many(text)
    if len(items) != 1:
        raise ValueError(f"{kind}: one limit, such as 600/minute, not {text!r}")
    return Policy(kind, items[0])


async def count_address(limits: RateLimits, scope: MutableMapping[str, Any]) -> Verdict | None:
    """Count the request against its client address, and leave the verdict for the response."""
    client = scope.get("client")
    verdict = await limits.hit(ADDRESS, client_network(client[0] if client else ""))
    scope.setdefault("state", {})[RATE_LIMIT] = verdict
    return verdict


def enforce(verdict: Verdict | None) -> None:
    """The 429 of a request over its quota (None: not counted, let through)."""
    if verdict is not None and not verdict.allowed:
        raise RateLimited(rate_limited(verdict), retry_after=verdict.reset_after)


def rate_limited(verdict: Verdict) -> str:
    """The detail of a 429."""
    policy = verdict.policy
    return (
        f"Over the limit of {policy.quota} requests per {policy.window} seconds "
        f"({policy.name}); retry after {max(1, verdict.reset_after)} seconds."
    )


def storage_uri(setting: str) -> str:
    """`memory://` or `redis://…` (RAPPORT_RATE_LIMIT_STORAGE) as `limits`' async storage."""
    return setting if setting.startswith("async+") else f"async+{setting}"


class RateLimits:
    """The counters. A fixed window per caller and policy: the first request starts it, and it
    resets `w` seconds later (`limits`' FixedWindowRateLimiter, whose counter this increments
    itself so that one round trip to Redis gives both the count and, below, the reset).

    The reset time of a window never changes once the window starts, so it is asked of the
    storage once per window and remembered here (at most 10,000 windows, then forgotten and
    asked again): a request in a running window costs one increment. When the storage cannot
    be reached, requests are let through without headers (the API stays up without Redis),
    and the failure is logged."""

    def __init__(self, storage: str, policies: dict[str, str]) -> None:
        uri = storage_uri(storage)
        options: dict[str, Any] = {}
        if uri.startswith("async+redis"):
            # redis-py's asyncio client; a Redis that does not answer within a quarter of a
            # second lets the request through rather than holding it.
            options = {
                "implementation": "redispy",
                "socket_timeout": 0.25,
                "socket_connect_timeout": 0.25,
            }
        self.storage: Storage = storage_from_string(uri, **options)  # type: ignore[assignment]
        self.policies = {kind: policy(kind, text) for kind, text in policies.items()}
        self._resets: dict[str, float] = {}

    async def hit(self, kind: str, identity: str) -> Verdict | None:
        """Count one request of `identity` (a credential's id, a client network) under the
        policy of its `kind`; None when the storage failed."""
        policy = self.policies[kind]
        key = policy.item.key_for(kind, identity)
        try:
            count = await self.storage.incr(key, policy.window)
            now = time.time()
            reset_at = self._resets.get(key)
            if count == 1 or reset_at is None or reset_at <= now:
                reset_at = await self.storage.get_expiry(key)
                if len(self._resets) >= _RESETS_MAX:
                    self._resets.clear()
                self._resets[key] = reset_at
        except Exception:  # any storage failure lets the request through
            log.warning("rate limit storage unavailable", exc_info=True)
            return None
        return Verdict(
            policy,
            allowed=count <= policy.quota,
            remaining=max(0, policy.quota - count),
            reset_after=max(0, math.ceil(reset_at - now)),
        )
