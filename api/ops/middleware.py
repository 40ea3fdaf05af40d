"""The operations middleware, first in MIDDLEWARE: probes, request context and metrics.

/healthz and /readyz are answered here, before the rest of the stack: a load balancer's
probe carries the instance's address as its Host and comes over plain HTTP, which the host
check and the HTTPS redirect further down would refuse. Every other request is served with
the request in a context variable (so log records carry its id), and is measured: time,
status, GraphQL operation, and time spent in database queries.
"""

import logging
import time
from contextlib import ExitStack

from django.db import connections

from api.ops import logs, metrics, operations
from api.ops.probes import PROBES

logger = logging.getLogger("api.ops")

METRICS = "metrics"


class QueryTimer:
    """A database execute wrapper adding up the queries and time of one request."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def handler_of(request):
    """A coarse, bounded name for what answered the request."""
    match = request.resolver_match
    if match is None:
        return "other"
    if match.url_name == "graphql":
        return metrics.GRAPHQL
    if match.url_name and match.url_name.startswith("feed-"):
        return "feeds"
    if "admin" in match.namespaces:
        return "admin"
    if match.url_name == METRICS:
        return METRICS
    return "other"


class OperationsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        # Cleared by the request_finished receiver (api.ops.logs.forget_request).
        logs.current_request.set(request)
        timer = QueryTimer()
        started = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(timer))
            response = self.get_response(request)
        try:
            self.observe(request, response, time.perf_counter() - started, timer)
        except Exception:
            # Measuring must never cost the caller their answer.
            logger.exception("Could not record the metrics of a request")
        return response

    def observe(self, request, response, seconds, timer):
        handler = handler_of(request)
        if handler == METRICS:
            return  # Scrapes would only measure themselves.
        operation = operations.of_request(request) if handler == metrics.GRAPHQL else ""
        metrics.observe_request(
            handler, operation, response.status_code, seconds, timer.seconds, timer.queries
        )
