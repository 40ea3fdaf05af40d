"""OpenTelemetry tracing of GraphQL operations, through Strawberry's own extension.

Off by default. On with CMS_OTEL=1, or when the standard OTEL_* variables ask for traces
(OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
It needs the `otel` extra (`pip install -e ".[otel]"`); without it, the start fails saying so.
Spans go where OTEL_TRACES_EXPORTER says: `otlp` (the default; OTLP over HTTP, configured
by the OTEL_EXPORTER_OTLP_* variables), `console`, or `none`. A tracer provider that is
already installed (by `opentelemetry-instrument`, say) is used as it is.
"""

import importlib
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SERVICE_NAME = "ainews-cms"
MISSING = (
    "OpenTelemetry tracing is on (CMS_OTEL, or the OTEL_* variables) but {module} is not "
    'installed. Install the extra (pip install -e ".[otel]"), or turn tracing off (CMS_OTEL=0).'
)


def _require(module):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImproperlyConfigured(MISSING.format(module=module)) from None


def _exporter(kind):
    if kind == "console":
        return _require("opentelemetry.sdk.trace.export").ConsoleSpanExporter()
    if kind == "otlp":
        return _require("opentelemetry.exporter.otlp.proto.http.trace_exporter").OTLPSpanExporter()
    raise ImproperlyConfigured(
        f"OTEL_TRACES_EXPORTER must be otlp, console or none; it is {kind!r}."
    )


def install_provider():
    """Install a tracer provider with the configured exporter, unless one is installed."""
    trace = _require("opentelemetry.trace")
    sdk = _require("opentelemetry.sdk.trace")
    if isinstance(trace.get_tracer_provider(), sdk.TracerProvider):
        return
    resources = _require("opentelemetry.sdk.resources")
    name = os.environ.get("OTEL_SERVICE_NAME") or SERVICE_NAME
    provider = sdk.TracerProvider(resource=resources.Resource.create({"service.name": name}))
    kind = (os.environ.get("OTEL_TRACES_EXPORTER") or "otlp").split(",")[0].strip().lower()
    if kind != "none":
        export = _require("opentelemetry.sdk.trace.export")
        provider.add_span_processor(export.BatchSpanProcessor(_exporter(kind)))
    trace.set_tracer_provider(provider)


def extensions():
    """The schema extensions tracing adds: none unless it is on."""
    if not settings.CMS_OTEL:
        return []
    install_provider()
    from strawberry.extensions.tracing import OpenTelemetryExtensionSync

    # The view runs the schema synchronously (execute_sync).
    return [OpenTelemetryExtensionSync]
