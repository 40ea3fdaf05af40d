"""Who is calling: the client's address behind trusted proxies, and the group a budget or a
count belongs to (an IPv6 address by its /64). Read by rate limits, login throttling and
counting alike, so one client is one client everywhere."""

import ipaddress

from django.conf import settings


def client_address(request):
    """The caller's address: the peer, or the one the trusted proxies say they forwarded."""
    return forwarded_address(
        request.headers.get("X-Forwarded-For", ""), request.META.get("REMOTE_ADDR", "unknown")
    )


def forwarded_address(forwarded_for, peer):
    """The address the trusted proxies forwarded (`X-Forwarded-For`), else the peer's; for
    callers that have no Django request (an ASGI scope: subscriptions)."""
    proxies = settings.CMS_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return peer


def client_group(request):
    """Who a budget belongs to: the caller's address, an IPv6 one grouped by its /64 (one
    subscriber is handed a whole /64 and can take any address in it)."""
    return address_group(client_address(request))


def address_group(address):
    """The IPv4 address itself, or the /64 network of an IPv6 one ("2001:db8:1:2::/64")."""
    try:
        parsed = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
