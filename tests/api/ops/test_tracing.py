"""OpenTelemetry tracing through Strawberry's extension: off by default, on when asked."""

import os
import runpy
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from strawberry.extensions.tracing import OpenTelemetryExtensionSync

from api.ops import tracing
from api.schema import schema
from tests.factories import make_story

pytestmark = pytest.mark.django_db

ENDPOINT = "http://127.0.0.1:9201"  # Nothing listens: spans are only made, not sent.


@pytest.fixture(scope="module")
def spans():
    """Spans recorded in memory: the provider this process traces with (set once)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    assert trace.get_tracer_provider() is provider, "another provider was installed first"
    return exporter


def run_python(code, **environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OTEL_", "CMS_"))}
    env.update({"DJANGO_SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "api.settings", **environment})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tracing_is_off_by_default():
    assert settings.CMS_OTEL is False
    assert tracing.extensions() == []
    assert OpenTelemetryExtensionSync not in schema.extensions


@override_settings(CMS_OTEL=True)
def test_with_tracing_on_each_graphql_operation_is_a_span(client, spans, monkeypatch):
    extensions = tracing.extensions()
    assert extensions == [OpenTelemetryExtensionSync]
    # The schema as api/schema/__init__.py builds it with tracing on.
    monkeypatch.setattr(schema, "extensions", (*schema.extensions, *extensions))
    make_story("s")
    spans.clear()
    response = client.get(
        "/graphql",
        {"query": 'query Headline { story(slug: "s") { title } }', "operationName": "Headline"},
    )
    assert response.status_code == 200
    names = [span.name for span in spans.get_finished_spans()]
    assert "GraphQL Query: Headline" in names
    assert "GraphQL Resolving: story" in names


@pytest.mark.parametrize(
    "environment",
    [{"CMS_OTEL": "1"}, {"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}],
)
def test_tracing_on_without_opentelemetry_stops_the_start_with_a_clear_message(environment):
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "import django; django.setup()\n"
        "import api.schema\n"
    )
    result = run_python(code, **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert 'pip install -e ".[otel]"' in result.stderr


def test_with_tracing_on_the_configured_exporter_receives_the_spans():
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from django.test.utils import setup_test_environment; setup_test_environment()\n"
        "Client().get('/graphql', {'query': 'query Ping { __typename }'})\n"
    )
    result = run_python(
        code, CMS_OTEL="1", OTEL_TRACES_EXPORTER="console", DJANGO_ALLOWED_HOSTS="testserver"
    )
    assert result.returncode == 0, result.stderr
    assert '"name": "GraphQL Query: Ping"' in result.stdout
    assert '"service.name": "ainews-cms"' in result.stdout


@pytest.mark.parametrize(
    ("environment", "on"),
    [
        ({}, False),
        ({"CMS_OTEL": "1"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "CMS_OTEL": "0"}, False),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_SDK_DISABLED": "true"},
            False,
        ),
    ],
)
def test_the_standard_otel_variables_turn_tracing_on_unless_told_otherwise(
    environment, on, monkeypatch
):
    for name in list(os.environ):
        if name.startswith("OTEL_") or name == "CMS_OTEL":
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert runpy.run_path(str(settings.BASE_DIR / "api" / "settings.py"))["CMS_OTEL"] is on
