"""/healthz and /readyz for load balancers and orchestrators: JSON, never cached.

/healthz says the process is alive and answers without touching the database or the cache.
/readyz says whether it can serve now (`api.ops.readiness`): 200 when every check passes,
503 naming the failed ones. Neither ever answers 500.
"""

import ipaddress
import logging
import threading
import time

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.http.request import split_domain_port, validate_host

from api.ops import readiness

logger = logging.getLogger("api.ops")


def _answer(status, body):
    content = orjson.dumps(body)
    response = HttpResponse(content, status=status, content_type="application/json")
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request):
    return _answer(200, {"status": "ok"})


def known_host(request):
    """Whether the probe names this site (ALLOWED_HOSTS) or an address, as a load balancer
    probing an instance does: a probe answers before the host check, not instead of it."""
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    if not domain:
        return False
    try:
        ipaddress.ip_address(domain.strip("[]"))
        return True
    except ValueError:
        pass
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return validate_host(domain, allowed)


# The last readiness answer of this process and when it was made: probes as often as
# anyone sends them cost at most one round of checks per CMS_READYZ_CACHE_SECONDS.
_last = {"at": 0.0, "answer": None}
_lock = threading.Lock()


def readyz(request):
    if not known_host(request):
        return _answer(400, {"status": "bad request", "failed": ["host"], "checks": {}})
    with _lock:
        if time.monotonic() - _last["at"] >= settings.CMS_READYZ_CACHE_SECONDS:
            _last["answer"] = _check()
            _last["at"] = time.monotonic()
        status, body = _last["answer"]
    return _answer(status, body)


def _check():
    try:
        results = readiness.run()
    except Exception:
        logger.exception("The readiness checks could not run")
        return 503, {"status": "unavailable", "failed": ["readyz"], "checks": {}}
    failed = [name for name, result in results.items() if not result.get("ok")]
    return (
        503 if failed else 200,
        {"status": "unavailable" if failed else "ok", "failed": failed, "checks": results},
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}
