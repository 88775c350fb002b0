"""The address of the person making a request, behind trusted proxies only.

nginx (and a load balancer in front of it, if any) appends the address it received the request from
to ``X-Forwarded-For``. Anyone can send that header, so it is read only when the request came from an
address in ``TRUSTED_PROXIES``, and then from the right: the first address that is not a trusted proxy
is the client. A request straight from an untrusted address is that address, whatever it claims.
Every feature that keys on the client (sign-in limits, audit logs) calls `client_ip(request)`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def parse_address(value: str) -> str | None:
    """A normalised IP address from a header value ("203.0.113.7", "[2001:db8::1]:443",
    "203.0.113.7:51234"), or None when it is not one."""
    value = value.strip().strip('"')
    if value.startswith("["):  # [IPv6]:port
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def is_trusted_proxy(address: str | None) -> bool:
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in trusted_networks() if network.version == ip.version)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the right-most address in
    X-Forwarded-For that is not one. A malformed entry stops the walk at the last good address.
    "" when the request carries no address at all (stored as NULL where an IP field holds it)."""
    remote = parse_address(request.META.get("REMOTE_ADDR", "")) or ""
    if not is_trusted_proxy(remote):
        return remote
    client = remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break  # whatever is left of a malformed entry was written by someone we do not trust
        client = address
        if not is_trusted_proxy(address):
            break
    return client
