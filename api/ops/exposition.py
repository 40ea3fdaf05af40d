"""/metrics: the Prometheus exposition, for whoever holds the token.

With CMS_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>` (else 401).
Without it, /metrics does not exist (404), except with DEBUG on, where it is open to
requests from this machine that came through no proxy.
"""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.ops import metrics

LOOPBACK = frozenset({"127.0.0.1", "::1"})


def _authorized(request):
    """True to serve, False to ask for the token; raises Http404 where there is no /metrics."""
    token = settings.CMS_METRICS_TOKEN
    if token:
        scheme, _space, sent = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            sent.strip().encode(), token.encode()
        )
    local = request.META.get("REMOTE_ADDR") in LOOPBACK and "X-Forwarded-For" not in request.headers
    if settings.DEBUG and local:
        return True
    raise Http404


def metrics_view(request):
    if not _authorized(request):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    else:
        response = HttpResponse(
            generate_latest(metrics.scrape_registry()), content_type=CONTENT_TYPE_LATEST
        )
    response["Cache-Control"] = "no-store"
    return response
