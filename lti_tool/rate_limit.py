"""How often one client address may start an LTI login (security review, finding 19).

Anyone may call ``/lti/login`` without credentials. It writes nothing since
its state is signed rather than stored (``lti1p3.oidc``), but each one still
costs a signature and a platform look-up, and answers with a redirect to the
platform: unlimited, it is a way to spend Padu's CPU and to aim traffic at the
LMS. A fixed one-minute window per address is enough to stop that and never
bothers a person: a launch is one login. The counter lives in the runtime cache, so with ``PADU_REDIS_URL``
all processes and hosts share it. IPv6 addresses count per /64, the block one
subscriber gets, or one machine could rotate through endless addresses.
"""

from __future__ import annotations

import ipaddress
import time

from .cache import Cache

WINDOW_SECONDS = 60


def client_key(address: str | None) -> str:
    """The address as counted: itself for IPv4, its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def login_retry_after(cache: Cache, address: str | None, per_minute: int, now: float | None = None) -> int | None:
    """Count one login from ``address``; None if allowed, else the seconds to wait."""
    if per_minute <= 0:
        return None
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    count = cache.incr(f"rate:login:{client_key(address)}:{window}", WINDOW_SECONDS)
    if count <= per_minute:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
