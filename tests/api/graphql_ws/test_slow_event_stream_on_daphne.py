"""An event-stream client that stops reading, on a real daphne server: daphne's `send`
never waits, so the stream's outbox learns from Twisted that the connection's buffer is full
(it is the response's push producer), stops handing bytes over, and once its own bound is
passed aborts the connection, which frees the subscription's place and Twisted's buffer."""

import json
import select
import socket
import time
import urllib.parse
import urllib.request
import uuid

import pytest
from django.db import connection

from cms.stories import live
from tests.api.graphql_ws.test_two_processes import publisher_session
from tests.factories import make_story, make_user
from tests.servers import servers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SUBSCRIPTION = """subscription($slug: String!) {
  liveEntries(slug: $slug) { change entry { text { html } } } }"""
# An entry as long as entries go (5,000 characters), some 15 kB as UTF-8.
LONG = "听证会" * 1666


def open_stream(base, receive_buffer=None):
    """A graphql-sse request on a raw socket; its status line read, nothing more."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect((host, int(port)))
    body = json.dumps({"query": SUBSCRIPTION, "variables": {"slug": "hearing"}}).encode()
    sock.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Accept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    return sock


def publish(opener, csrf, base, story, text):
    """An entry published through the admin's composer by a logged-in Publisher."""
    request = urllib.request.Request(
        f"{base}/admin/cms/story/{story.pk}/live/",
        data=json.dumps({"action": "publish", "language": "en", "text": text}).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": base},
        method="POST",
    )
    opener.open(request, timeout=10).close()


def read_some(sock, seconds=5):
    sock.settimeout(seconds)
    return sock.recv(65536)


def broken(sock):
    """Whether the server has reset or closed the connection."""
    poller = select.poll()
    poller.register(sock, select.POLLERR | select.POLLHUP | select.POLLRDHUP)
    return bool(poller.poll(0))


def test_a_client_that_stops_reading_is_dropped_and_its_place_freed():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server process shares the test database")
    password = uuid.uuid4().hex
    user = make_user("publisher", "Publisher")
    user.set_password(password)
    user.save()
    story = make_story("hearing")
    live.start(story.pk, user)

    limits = {
        "REDIS_URL": "",
        "CMS_SUBSCRIPTIONS_PER_ADDRESS": "1",
        "CMS_SUBSCRIPTION_MAX_PENDING_BYTES": "32768",
    }
    with servers(1, asgi=True, **limits) as (base,):
        stuck = open_stream(base, receive_buffer=4096)
        assert read_some(stuck).startswith(b"HTTP/1.1 200")
        time.sleep(1)  # Its subscription joins the story's group.

        # While it holds the address's one place, another subscription is refused.
        refused = open_stream(base)
        answer = b""
        while b"TOO_MANY_SUBSCRIPTIONS" not in answer:
            chunk = read_some(refused)
            assert chunk, answer
            answer += chunk
        refused.close()

        opener, csrf = publisher_session(base, "publisher", password)
        published = 0
        while not broken(stuck):
            assert published < 150, "the stream was never dropped"
            publish(opener, csrf, base, story, LONG)
            published += 1
            time.sleep(0.05)
        stuck.close()

        # Its place is free again: a new subscription from the same address is served.
        again = open_stream(base)
        assert read_some(again).startswith(b"HTTP/1.1 200")
        time.sleep(0.5)
        publish(opener, csrf, base, story, "Back.")
        received = b""
        while b"<p>Back.</p>" not in received:
            chunk = read_some(again)
            assert chunk, received
            received += chunk
        again.close()
    # Dropped well before everything published had to be held for it.
    assert published * len(LONG.encode()) > 32768
