"""Subscriptions through a real Varnish running deploy/varnish/default.vcl (its backends
pointed at a daphne process on a free port): a WebSocket upgrade is piped and an event
stream is passed and streamed unbuffered, so an entry published in the admin reaches a
subscriber on each transport through the edge, and the edge stores no event stream."""

import asyncio
import http.client
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cms.stories import live
from tests.api.graphql_ws.test_two_processes import first_event, publish_through
from tests.factories import make_story, make_user
from tests.servers import free_port, servers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VCL = Path(settings.BASE_DIR) / "deploy" / "varnish" / "default.vcl"
SUBSCRIPTION = """subscription($slug: String!) {
  liveEntries(slug: $slug) { change entryId entry { text { html } } } }"""


def xkey_installed():
    return any(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))


@pytest.fixture
def edge():
    """A function starting Varnish in front of an origin; stopped after the test."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server process shares the test database")
    if shutil.which("varnishd") is None or not xkey_installed():
        pytest.skip("needs varnishd with varnish-modules (xkey)")
    # Varnish's unprivileged users read its working directory.
    workdir = Path(tempfile.mkdtemp(prefix="edge-"))
    workdir.chmod(0o755)
    started = []

    def start(origin):
        origin_port = origin.rsplit(":", 1)[1]
        vcl = workdir / "edge.vcl"
        vcl.write_text(re.sub(r'\.port = "91\d\d"', f'.port = "{origin_port}"', VCL.read_text()))
        port = free_port()
        process = subprocess.Popen(
            ["varnishd", "-F", "-n", str(workdir / "n"), "-a", f"127.0.0.1:{port}",
             "-T", "none", "-f", str(vcl), "-s", "malloc,32m"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return url
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("Varnish did not come up")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


def event_stream(url, started, received):
    """A graphql-sse subscription read line by line (http.client), in a thread."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request(
        "POST",
        "/graphql",
        json.dumps({"query": SUBSCRIPTION, "variables": {"slug": "hearing"}}),
        {"Content-Type": "application/json", "Accept": "text/event-stream"},
    )
    response = conn.getresponse()
    received["status"] = response.status
    received["headers"] = dict(response.getheaders())
    started.set()
    event = None
    while True:
        line = response.readline().decode()
        if not line:
            return
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "next":
            received["next"] = json.loads(line.split(":", 1)[1])
            conn.close()
            return


def test_both_transports_receive_an_entry_through_varnish(edge):
    password = uuid.uuid4().hex
    user = make_user("publisher", "Publisher")
    user.set_password(password)
    user.save()
    story = make_story("hearing")
    live.start(story.pk, user)

    with servers(1, asgi=True, REDIS_URL="") as (origin,):
        through = edge(origin)

        async def scenario():
            sse_started, received = threading.Event(), {}
            reading = asyncio.ensure_future(
                asyncio.to_thread(event_stream, through, sse_started, received)
            )
            ws_started = asyncio.Event()
            receiving = asyncio.ensure_future(
                first_event(through.replace("http", "ws") + "/graphql", ws_started)
            )
            await ws_started.wait()
            await asyncio.to_thread(sse_started.wait, 20)
            # The event stream's subscription joins its story's group.
            await asyncio.sleep(1)
            await asyncio.to_thread(
                publish_through, through, story.pk, "publisher", password, "Through the edge."
            )
            event = await receiving
            await asyncio.wait_for(reading, 20)
            return event, received

        event, received = asyncio.run(scenario())

    assert event["liveEntries"]["entry"]["text"]["html"] == "<p>Through the edge.</p>"
    assert received["status"] == 200
    assert received["headers"]["Content-Type"] == "text/event-stream; charset=utf-8"
    assert received["headers"]["X-Cache"] == "PASS"
    streamed = received["next"]["data"]["liveEntries"]
    assert streamed["entry"]["text"]["html"] == "<p>Through the edge.</p>"
