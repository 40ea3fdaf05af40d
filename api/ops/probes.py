"""/healthz and /readyz for load balancers and orchestrators: JSON, never cached.

/healthz says the process is alive and answers without touching the database or the cache.
/readyz says whether it can serve now (`api.ops.readiness`): 200 when every check passes,
503 naming the failed ones. Neither ever answers 500.
"""

import logging

import orjson
from django.http import HttpResponse

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


def readyz(request):
    try:
        results = readiness.run()
    except Exception:
        logger.exception("The readiness checks could not run")
        return _answer(503, {"status": "unavailable", "failed": ["readyz"], "checks": {}})
    failed = [name for name, result in results.items() if not result.get("ok")]
    return _answer(
        503 if failed else 200,
        {"status": "unavailable" if failed else "ok", "failed": failed, "checks": results},
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}
