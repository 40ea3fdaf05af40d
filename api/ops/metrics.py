"""The Prometheus metrics the processes record, and the registry a scrape reads.

Metrics live in prometheus-client's default registry, one per process. With
PROMETHEUS_MULTIPROC_DIR set (before the process starts), prometheus-client writes them to
files in that folder instead, and a scrape of any gunicorn worker adds up every process
that shares it: all workers, and the task worker when it runs with the same folder.
Queue depths are read from the database at scrape time (`api.ops.collectors`).
"""

import logging
import os

from django.core.exceptions import ImproperlyConfigured
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

from api.ops import documents, operations

logger = logging.getLogger("api.ops")

if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and not os.path.isdir(
    os.environ["PROMETHEUS_MULTIPROC_DIR"]
):
    raise ImproperlyConfigured(
        "PROMETHEUS_MULTIPROC_DIR names no folder; create it (empty) before starting, "
        "or unset it for single-process metrics."
    )

GRAPHQL = "graphql"
FAST_PATH = "fast_path"
DJANGO = "django"
DB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
QUERY_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
TASK_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)

requests = Counter(
    "cms_http_requests",
    "HTTP requests answered, by handler, GraphQL operation (registered names only) and status.",
    ["handler", "operation", "status"],
)
request_seconds = Histogram(
    "cms_http_request_duration_seconds",
    "Time Django spent answering a request (fast-path cache hits are not included).",
    ["handler"],
)
request_db_seconds = Histogram(
    "cms_http_request_db_seconds",
    "Time spent in database queries while answering one request.",
    ["handler"],
    buckets=DB_BUCKETS,
)
request_db_queries = Histogram(
    "cms_http_request_db_queries",
    "Database queries made while answering one request.",
    ["handler"],
    buckets=QUERY_BUCKETS,
)
response_cache = Counter(
    "cms_response_cache_lookups",
    "Response-cache lookups of GraphQL reads, by result and by who served the hit.",
    ["result", "served_by"],
)
tasks_finished = Counter(
    "cms_tasks_finished",
    "Background tasks the worker finished, by task and outcome.",
    ["task", "status"],
)
task_latency = Histogram(
    "cms_task_latency_seconds",
    "From when a task was due (enqueued, or its run_after) until the worker finished it; "
    "for cms.partners.webhooks.deliver, the latency of each webhook delivery attempt.",
    ["task"],
    buckets=TASK_BUCKETS,
)


def multiprocess_dir():
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def scrape_registry():
    """A registry holding what one scrape reports: this process's (or every process's)
    metrics, and the queue depths read from the database now."""
    from api.ops.collectors import QueueCollector

    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(QueueCollector())
    return registry


# Series the hot paths count, looked up once: labels() costs more than the increment.
_lookups = {
    (result, who): response_cache.labels(result, who)
    for result, who in (("hit", DJANGO), ("miss", DJANGO), ("hit", FAST_PATH))
}
# Fast-path hits repeat the same few documents: their request series, by document digest,
# operation name, status and registry (tests replace the registered documents), which
# decide the operation's label. Cleared when full.
_fast_path_series = {}
_FAST_PATH_SERIES_MAX = 10000


def response_cache_lookup(hit):
    """Count a lookup by the GraphQL view (a fast-path miss is handed to it, and counted there)."""
    _lookups["hit" if hit else "miss", DJANGO].inc()


def fast_path_hit(status, operation, digest):
    """Count a request answered by the WSGI fast path: a cache hit, and a request.

    `operation` is what the request asked for (its `query`, `operation_name` and
    `extensions`), `digest` its document's hash.
    """
    _lookups["hit", FAST_PATH].inc()
    key = (digest, operation.operation_name, status, id(documents.registered()))
    series = _fast_path_series.get(key)
    if series is None:
        if len(_fast_path_series) >= _FAST_PATH_SERIES_MAX:
            _fast_path_series.clear()
        label = operations.label(operation.query, operation.operation_name, operation.extensions)
        series = _fast_path_series[key] = requests.labels(GRAPHQL, label, str(status))
    series.inc()


# The series of each (handler, operation, status): few, since every label is bounded.
_request_series = {}


def observe_request(handler, operation, status, seconds, db_seconds, db_queries):
    """Record one request Django answered."""
    key = (handler, operation, status)
    series = _request_series.get(key)
    if series is None:
        series = _request_series[key] = (
            requests.labels(handler, operation, str(status)),
            request_seconds.labels(handler),
            request_db_seconds.labels(handler),
            request_db_queries.labels(handler),
        )
    count, duration, db_time, db_count = series
    count.inc()
    duration.observe(seconds)
    db_time.observe(db_seconds)
    db_count.observe(db_queries)


def task_finished(sender, task_result, **kwargs):
    """Receiver of django-tasks' task_finished: count the task and its latency.

    It never raises: the worker would record an exception here as the task failing.
    """
    try:
        _observe_task(task_result)
    except Exception:
        logger.exception("Could not record the metrics of task %s", task_result.id)


def _observe_task(task_result):
    task = task_result.task
    name = task.module_path
    tasks_finished.labels(name, str(task_result.status).lower()).inc()
    due = max(filter(None, (task_result.enqueued_at, task.run_after)), default=None)
    if due is not None and task_result.finished_at is not None:
        task_latency.labels(name).observe(max(0.0, (task_result.finished_at - due).total_seconds()))
