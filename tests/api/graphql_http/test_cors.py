"""Browsers on other origins: preflights answered and cached, answers carrying the CORS
headers of allowed origins only (cache hits before Django too), nothing for the admin."""

import os
import subprocess
import sys

import pytest

from tests.api.graphql_http.helpers import QUERY, via_fast_path
from tests.factories import make_story

pytestmark = pytest.mark.django_db

FRONTEND = "https://reader.example.com"
STRANGER = "https://evil.example"


@pytest.fixture(autouse=True)
def allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONTEND]
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGIN_REGEXES = []


def preflight(client, origin, path="/graphql", headers="content-type"):
    return client.options(
        path,
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": headers,
        },
    )


def test_a_preflight_from_an_allowed_origin_is_answered_and_cached(client, settings):
    response = preflight(client, FRONTEND, headers="content-type, authorization, preview-token")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert {"POST", "GET"} <= set(response["Access-Control-Allow-Methods"].split(", "))
    allowed = set(response["Access-Control-Allow-Headers"].split(", "))
    assert {"content-type", "authorization", "preview-token"} <= allowed
    assert response["Access-Control-Max-Age"] == str(settings.CORS_PREFLIGHT_MAX_AGE) == "7200"
    # No cookies cross origins: keys travel in Authorization.
    assert "Access-Control-Allow-Credentials" not in response
    assert "Origin" in response["Vary"] or "origin" in response["Vary"]


def test_a_preflight_from_another_origin_allows_nothing(client):
    response = preflight(client, STRANGER)
    assert "Access-Control-Allow-Origin" not in response


def test_options_without_a_preflight_names_the_methods_instead_of_405(client):
    response = client.options("/graphql")
    assert response.status_code == 200
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "POST"}


def test_an_answer_to_an_allowed_origin_exposes_etag_language_and_rate_limits(client):
    make_story("s")
    response = client.get(
        "/graphql", QUERY, headers={"origin": FRONTEND, "accept-language": "zh-hans"}
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    exposed = {name.lower() for name in response["Access-Control-Expose-Headers"].split(", ")}
    assert {"etag", "content-language", "ratelimit-remaining", "ratelimit-reset"} <= exposed
    assert response["RateLimit-Remaining"] and response["ETag"]
    assert "Origin" in response["Vary"]
    posted = client.post(
        "/graphql", QUERY, content_type="application/json", headers={"origin": FRONTEND}
    )
    assert posted["Access-Control-Allow-Origin"] == FRONTEND


def test_an_answer_to_another_origin_allows_nothing_but_still_varies_on_origin(client):
    make_story("s")
    response = client.get("/graphql", QUERY, headers={"origin": STRANGER})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Origin" in response["Vary"]


@pytest.mark.parametrize("origin", [FRONTEND, STRANGER])
def test_a_cache_hit_before_django_carries_the_cors_headers_django_would(client, origin):
    make_story("s")
    client.get("/graphql", QUERY)
    django = client.get("/graphql", QUERY, headers={"origin": origin})
    status, fast, body, queries = via_fast_path({"origin": origin})
    assert (status, queries, body) == ("200 OK", 0, django.content)
    cors = {k: v for k, v in django.items() if k.lower().startswith("access-control-")}
    assert {k: v for k, v in fast.items() if k.lower().startswith("access-control-")} == cors
    assert fast["Vary"] == django["Vary"]
    assert bool(cors) is (origin == FRONTEND)


def test_a_cached_answer_never_carries_another_origin_s_permission(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONTEND, "http://localhost:5173"]
    make_story("s")
    # Stored by a request from one allowed origin, then hit from the other and a stranger.
    client.get("/graphql", QUERY, headers={"origin": FRONTEND})
    _status, other, _body, _queries = via_fast_path({"origin": "http://localhost:5173"})
    assert other["access-control-allow-origin"] == "http://localhost:5173"
    _status, stranger, _body, _queries = via_fast_path({"origin": STRANGER})
    _status, none, _body, _queries = via_fast_path({})
    assert not any(name.lower().startswith("access-control-") for name in stranger)
    assert not any(name.lower().startswith("access-control-") for name in none)


@pytest.mark.parametrize("path", ["/feeds/en/rss.xml", "/feeds/zh-hans/feed.json", "/sitemap.xml"])
def test_feeds_and_sitemaps_are_readable_from_allowed_origins(client, path):
    make_story("s")
    response = client.get(path, headers={"origin": FRONTEND})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND


def test_the_admin_is_never_cross_origin(client):
    response = client.get("/admin/login/", headers={"origin": FRONTEND})
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight(client, FRONTEND, "/admin/login/")


def settings_with(**environ):
    """The CORS settings a process started with `environ` reads (or its error)."""
    code = (
        "from django.conf import settings as s; "
        "print(s.CORS_ALLOWED_ORIGINS, s.CORS_ALLOW_ALL_ORIGINS, s.CORS_ALLOWED_ORIGIN_REGEXES)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CMS_CORS", "DJANGO_DEBUG"))}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**base, "DJANGO_SETTINGS_MODULE": "api.settings", **environ},
        capture_output=True,
        text=True,
        check=False,
    )


def test_allowed_origins_come_from_the_environment_and_development_allows_localhost():
    production = settings_with(CMS_CORS_ALLOWED_ORIGINS="https://a.example, https://b.example:8443")
    assert production.stdout.strip() == "['https://a.example', 'https://b.example:8443'] False []"
    development = settings_with(DJANGO_DEBUG="1")
    assert development.stdout.startswith("[] False ['^https?://(localhost|127")
    anyone = settings_with(CMS_CORS_ALLOWED_ORIGINS="*")
    assert anyone.stdout.strip() == "[] True []"


@pytest.mark.parametrize("origin", ["https://a.example/", "a.example", "https://a.example/app"])
def test_an_allowed_origin_that_is_not_an_origin_is_refused_clearly(origin):
    refused = settings_with(CMS_CORS_ALLOWED_ORIGINS=origin)
    assert refused.returncode != 0
    assert "CMS_CORS_ALLOWED_ORIGINS" in refused.stderr and "scheme://host[:port]" in refused.stderr


def test_a_hit_asks_a_connected_check_request_enabled_receiver_every_time(client):
    from corsheaders.signals import check_request_enabled

    make_story("s")
    client.get("/graphql", QUERY)

    def allow_the_stranger(sender, request, **kwargs):
        return request.headers.get("Origin") == STRANGER

    check_request_enabled.connect(allow_the_stranger)
    try:
        _status, allowed, _body, _queries = via_fast_path({"origin": STRANGER})
    finally:
        check_request_enabled.disconnect(allow_the_stranger)
    _status, refused, _body, _queries = via_fast_path({"origin": STRANGER})
    assert allowed["access-control-allow-origin"] == STRANGER
    assert "access-control-allow-origin" not in refused
