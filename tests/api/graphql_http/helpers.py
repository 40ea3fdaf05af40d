"""Shared by the HTTP tests: requests sent straight to the WSGI application, as a server would
(the fast path answers before Django, which the test client cannot show), and the error code of
an answer."""

import json

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from api.graphql_http.fastpath import FastPath
from api.wsgi import application

QUERY = {"query": '{ story(slug: "s") { title } }'}


def via_fast_path(
    headers=None, query=QUERY, django_may_answer=False, method="GET", body=None, app=None
):
    """(status, headers, body, SQL count) of a request to the WSGI application; a POST
    sends `body` (bytes, or an object sent as JSON) with the `content-type` of `headers`
    (JSON if it names none). Unless `django_may_answer`, the fast path must answer it."""
    headers = dict(headers or {})
    if method == "POST":
        if not isinstance(body, bytes):
            body = json.dumps(query if body is None else body).encode()
        content_type = headers.pop("content-type", "application/json")
        request = RequestFactory().post("/graphql", body, content_type, headers=headers)
        environ = request.environ
    else:
        environ = RequestFactory().get("/graphql", query, headers=headers).environ
        environ["REQUEST_METHOD"] = method
    captured = {}
    if app is not None:
        pass
    elif not django_may_answer:
        # The fast path must answer by itself: Django is not reachable from here.
        def django(environ, start_response):
            raise AssertionError("fell through to Django")

        app = FastPath(django)
    else:
        app = application

    def start_response(status, response_headers):
        captured["status"] = status
        captured["headers"] = dict(response_headers)

    # As Django's test client does: the handler must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with CaptureQueriesContext(connection) as queries:
            body = b"".join(app(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return captured["status"], captured["headers"], body, len(queries)


def wsgi_get(query_string, **headers):
    """A GET through the whole WSGI application (fast path, then Django)."""
    environ = RequestFactory().get("/graphql", headers=headers).environ
    environ["QUERY_STRING"] = query_string
    captured = {}

    def start_response(status, response_headers):
        captured["status"] = int(status.split()[0])

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return captured["status"], json.loads(body), environ


def code_of(response):
    return response.json()["errors"][0]["extensions"]["code"]
