"""Fixed-window rate limits per client address, counted in the shared cache."""

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from api.graphql_http.request import RequestError


def client_address(request):
    """The caller's address: the peer, or the one the trusted proxies say they forwarded."""
    proxies = settings.CMS_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.headers.get("X-Forwarded-For", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


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


@dataclass
class Allowance:
    limit: int
    remaining: int
    reset: int

    @property
    def exceeded(self):
        return self.remaining < 0

    def headers(self):
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(self.remaining, 0)),
            "RateLimit-Reset": str(self.reset),
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.reset)
        return headers


def take_or_refuse(request):
    """Count one uncached answer for the request's client (as GraphQL counts its misses);
    raise the 429 `RequestError` once its budget for the window is spent."""

    allowance = take(f"ip:{client_group(request)}")
    if allowance.exceeded:
        raise RequestError(
            429,
            _("Too many requests; try again in %(seconds)s seconds.")
            % {"seconds": allowance.reset},
            "RATE_LIMITED",
            allowance.headers(),
        )
    return allowance


def take(subject, limit=None, window=None):
    """Count one request for `subject`; say how many remain in the current window."""
    limit = limit or settings.CMS_RATE_LIMIT
    window = window or settings.CMS_RATE_LIMIT_WINDOW
    now = time.time()
    start = int(now // window) * window
    key = f"rl:{subject}:{start}"
    # Redis counts in one round trip (api/caching/backend.py); other caches in two steps.
    count_in_cache = getattr(cache, "count", None)
    if count_in_cache is not None:
        count = count_in_cache(key, window + 1)
    else:
        cache.add(key, 0, timeout=window + 1)
        try:
            count = cache.incr(key)
        except ValueError:
            count = 1  # The counter expired between add and incr: a new window.
    reset = max(1, int(start + window - now))
    return Allowance(limit=limit, remaining=limit - count, reset=reset)
