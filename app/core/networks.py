"""A client's network: what per-address counters (the login and sign-up throttles, the address
rate limit) count by."""

from __future__ import annotations

import ipaddress

# A client address that is not an IP (a test's name, a proxy's oddity) is kept this long at most,
# so that a key always fits its column.
_MAX_RAW_ADDRESS = 64


def client_network(client_address: str) -> str:
    """One IPv4 address, or the /64 of an IPv6 one (one subscriber's usual allocation, so
    rotating through it does not buy fresh guesses, sign-ups or requests)."""
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return client_address[:_MAX_RAW_ADDRESS]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
