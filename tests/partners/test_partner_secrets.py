"""Partner secrets stay secret: feed tokens instead of keys in URLs, nothing secret in
access logs, keyed feeds never stored by caches, and restricted keys told nothing more."""

import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request

import feedparser
import pytest

from cms.models import ApiKey, Partner
from tests.factories import make_story, make_tag
from tests.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return Partner.objects.create(name="Partner")


def issue(partner, **fields):
    fields.setdefault("scopes", ["read", "full_text"])
    key, secret = ApiKey.issue(partner=partner, name="feeds", **fields)
    return key, secret, key.issue_feed_token()


def test_a_feed_token_reads_feeds_and_the_api_secret_in_the_url_is_refused(client, partner):
    make_story("s", analysis_en="the deep analysis")
    key, secret, token = issue(partner)
    assert token.startswith("ankf_") and key.feed_token_prefix in token
    assert token not in (secret, key.hashed_feed_token)
    refused = client.get("/feeds/en/feed.json", {"key": secret})
    assert refused.status_code == 401
    assert b"use the key's feed token as `?token=<feed token>`" in refused.content
    feed = json.loads(client.get("/feeds/en/feed.json", {"token": token}).content)
    assert "the deep analysis" in feed["items"][0]["content_html"]


def test_a_feed_token_is_not_an_api_key(client, partner):
    _key, _secret, token = issue(partner)
    response = client.post(
        "/graphql",
        json.dumps({"query": "{ viewer { partner } }"}),
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


def test_a_feed_token_can_be_rotated_and_revoked_without_the_key(client, partner):
    key, secret, token = issue(partner)
    newer = key.issue_feed_token()
    assert client.get("/feeds/en/rss.xml", {"token": token}).status_code == 401
    assert client.get("/feeds/en/rss.xml", {"token": newer}).status_code == 200
    key.revoke_feed_token()
    assert client.get("/feeds/en/rss.xml", {"token": newer}).status_code == 401
    assert ApiKey.authenticate(secret) == key
    key, _secret, token = issue(partner)
    key.revoke()
    assert client.get("/feeds/en/rss.xml", {"token": token}).status_code == 401


def test_the_admin_shows_the_feed_token_once_and_rotates_and_revokes_it(admin_client, partner):
    response = admin_client.post(
        "/admin/cms/apikey/add/",
        {"partner": partner.pk, "name": "app", "scopes": ["read"], "per_minute": 60,
         "per_day": 1000},
        follow=True,
    )  # fmt: skip
    key = ApiKey.objects.get(name="app")
    messages = [str(m) for m in response.context["messages"]]
    (shown,) = [m for m in messages if m.startswith("Feed token for")]
    token = shown.rsplit(" ", 1)[1]
    assert ApiKey.authenticate_feed_token(token) == key
    page = admin_client.get(f"/admin/cms/apikey/{key.pk}/change/").content.decode()
    assert token not in page and key.feed_token_prefix in page
    response = admin_client.post(
        "/admin/cms/apikey/",
        {"action": "rotate_feed_tokens", "_selected_action": [key.pk]},
        follow=True,
    )
    (shown,) = [str(m) for m in response.context["messages"] if "Feed token" in str(m)]
    assert ApiKey.authenticate_feed_token(token) is None
    assert ApiKey.authenticate_feed_token(shown.rsplit(" ", 1)[1]) == key
    admin_client.post(
        "/admin/cms/apikey/", {"action": "revoke_feed_tokens", "_selected_action": [key.pk]}
    )
    key.refresh_from_db()
    assert key.feed_token_prefix is None and ApiKey.authenticate(shown.rsplit(" ", 1)[1]) is None


@pytest.mark.parametrize("how", ["token", "header"])
def test_keyed_and_full_text_feeds_are_private_and_vary_on_authorization(client, partner, how):
    _key, secret, token = issue(partner)
    if how == "token":
        response = client.get("/feeds/en/atom.xml", {"token": token})
    else:
        response = client.get("/feeds/en/atom.xml", headers={"authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Authorization" in response["Vary"]
    anonymous = client.get("/feeds/en/atom.xml")
    assert "private" not in anonymous.get("Cache-Control", "")
    assert "Authorization" in anonymous["Vary"]


def test_a_feed_for_an_unknown_tag_is_404(client):
    make_story("s")
    for name in ("rss.xml", "atom.xml", "feed.json"):
        response = client.get(f"/feeds/en/{name}", {"tag": "<script>nope</script>"})
        assert response.status_code == 404
        assert b"<script>" not in response.content


@pytest.mark.parametrize(("language", "title"), [("en", "Security"), ("zh-hans", "安全")])
def test_a_feed_title_names_the_tag_in_the_served_language(client, language, title):
    make_story("s", tags=[make_tag("security", en="Security", zh_hans="安全")])
    feed = json.loads(client.get(f"/feeds/{language}/feed.json", {"tag": "security"}).content)
    assert feed["title"].endswith(title)
    rss = feedparser.parse(client.get(f"/feeds/{language}/rss.xml", {"tag": "security"}).content)
    assert rss.feed.title == feed["title"]


def test_a_tag_only_named_in_english_is_named_in_english_in_the_chinese_feed(client):
    make_story("s", tags=[make_tag("agents", en="Agents")])
    feed = json.loads(client.get("/feeds/zh-hans/feed.json", {"tag": "agents"}).content)
    assert feed["title"].endswith("Agents")


def test_a_key_limited_to_tags_gets_404_for_other_tags(client, partner):
    allowed, other = make_tag("security", en="Security"), make_tag("chips", en="Chips")
    make_story("s", tags=[allowed, other])
    key, _secret, token = issue(partner)
    key.tags.set([allowed])
    assert client.get("/feeds/en/rss.xml", {"tag": "security", "token": token}).status_code == 200
    assert client.get("/feeds/en/rss.xml", {"tag": "chips", "token": token}).status_code == 404


STORY = """query($l: String) { story(slug: "s", language: $l) { language availableLanguages
  translations { language } structuredData openGraph { localeAlternates } } }"""


def test_a_key_limited_to_languages_is_told_of_no_other_language(client, partner):
    make_story("s")
    _key, secret, token = issue(partner, languages=["en"])

    def ask(variables):
        return client.post(
            "/graphql",
            json.dumps({"query": STORY, "variables": variables}),
            content_type="application/json",
            headers={"authorization": f"Bearer {secret}"},
        ).json()

    story = ask({})["data"]["story"]
    assert story["availableLanguages"] == ["en"]
    assert [t["language"] for t in story["translations"]] == ["en"]
    assert story["openGraph"]["localeAlternates"] == []
    assert "zh" not in json.dumps(story["structuredData"]).lower()
    error = ask({"l": "fr"})["errors"][0]["message"]
    assert error.endswith("Supported languages: en.")
    feed = json.loads(client.get("/feeds/en/feed.json", {"token": token}).content)
    assert "_alternates" not in feed["items"][0]
    anonymous = client.post(
        "/graphql", json.dumps({"query": STORY}), content_type="application/json"
    ).json()
    assert anonymous["data"]["story"]["availableLanguages"] == ["en", "zh-hans"]


def test_the_development_server_log_shows_no_query_string(caplog):
    from api.logfilters import WithoutQueryString

    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s %s',
        ("GET /feeds/en/rss.xml?token=ankf_1_secret HTTP/1.1", "200", "512"), None,
    )  # fmt: skip
    assert WithoutQueryString().filter(record)
    assert record.getMessage() == '"GET /feeds/en/rss.xml HTTP/1.1" 200 512'


def test_gunicorn_access_log_never_shows_a_token_or_key(tmp_path):
    from tests.servers import BASE, _wait_until_up

    token = "ankf_0badf00d_" + "t" * 43
    secret = "ank_0badf00d_" + "s" * 43
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE, env=env, check=True)
    port = free_port()
    log = tmp_path / "access.log"
    # The flags `make serve` passes; the access log's format comes from gunicorn.conf.py.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "api.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--access-logfile", str(log)],
        cwd=BASE, env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        for query in (f"token={token}", f"key={secret}"):
            request = urllib.request.Request(
                f"{base}/feeds/en/rss.xml?{query}", headers={"Referer": f"{base}/?{query}"}
            )
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(request)
    finally:
        server.terminate()
        server.wait(10)
    text = log.read_text()
    assert text.count('"GET /feeds/en/rss.xml HTTP/1.1" 401') == 2
    assert token not in text and secret not in text and "token=" not in text
