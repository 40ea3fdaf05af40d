"""Logs: plain text by default; one JSON object per line, with the request id, when asked."""

import io
import json
import logging
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings

from api.graphql_http import limits
from api.ops.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the root logger writes, formatted as with DJANGO_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def run_python(code, **environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "api.settings", **environment})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_record_logged_anywhere_during_a_request_carries_its_request_id(client, json_lines):
    real_check = limits.check

    def check_and_log(*args, **kwargs):
        logging.getLogger("cms.somewhere.deep").warning("Looked at a document")
        return real_check(*args, **kwargs)

    with mock.patch.object(limits, "check", check_and_log):
        response = client.get("/graphql", {"query": "{ __typename }"})
    assert response.status_code == 200
    (line,) = [entry for entry in json_lines() if entry["logger"] == "cms.somewhere.deep"]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "WARNING"
    assert line["message"] == "Looked at a document"
    assert line["time"].endswith("+00:00")


def test_an_unexpected_error_is_one_json_line_with_its_traceback_and_request_id(client, json_lines):
    with mock.patch.object(limits, "check", side_effect=RuntimeError("boom\nsecond line")):
        response = client.get("/graphql", {"query": "{ __typename }"})
    assert response.status_code == 500
    (line,) = [entry for entry in json_lines() if entry["logger"] == "api.views"]
    assert line["level"] == "ERROR"
    assert line["request_id"] == response["X-Request-ID"]
    assert "RuntimeError: boom" in line["exception"]


def test_outside_a_request_a_record_has_no_request_id(json_lines):
    logging.getLogger("cms.worker").info("Between requests")
    (line,) = [entry for entry in json_lines() if entry["logger"] == "cms.worker"]
    assert "request_id" not in line


def test_the_json_log_format_is_chosen_by_an_environment_variable():
    code = "import django; django.setup(); import logging; logging.getLogger('x').warning('hi')"
    as_json = run_python(code, DJANGO_LOG_FORMAT="json")
    assert as_json.returncode == 0, as_json.stderr
    (line,) = as_json.stderr.splitlines()
    assert {k: v for k, v in json.loads(line).items() if k != "time"} == {
        "level": "WARNING",
        "logger": "x",
        "message": "hi",
    }
    plain = run_python(code)
    assert plain.stderr.rstrip().endswith("WARNING x hi")
    with pytest.raises(json.JSONDecodeError):
        json.loads(plain.stderr)


def test_an_unknown_log_format_stops_the_start_naming_the_variable():
    result = run_python("import django; django.setup()", DJANGO_LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "DJANGO_LOG_FORMAT must be plain or json" in result.stderr
