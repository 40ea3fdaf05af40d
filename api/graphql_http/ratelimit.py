"""Fixed-window rate limits per client address, counted in the shared cache."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from api.graphql_http.refusals import RequestError
from api.ops.clients import client_group


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
