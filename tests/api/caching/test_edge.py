"""The edge: what edge caches are told (surrogate keys, edge lifetimes, and never for private
answers), and purges (recorded with the change, sent by the worker in batches, retried, and
shown). A purge test commits, so it is marked to run in a transaction of its own."""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

# The worker closes its database connection after tasks: these tests commit for real.
from django.test import override_settings
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from api import db_router
from api.caching import edge, purge, purge_backends
from cms.models import ApiKey, EdgePurge, Partner, Source, Story
from cms.stories import preview
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db


class Recorder:
    """A purge API on loopback: records each request, answers `status` (and `body`)."""

    def __init__(self, status=200, body=b'{"success": true}'):
        self.requests = []
        self.status = status
        self.body = body
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                recorder.requests.append((self.command, self.path, headers, body))
                self.send_response(recorder.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(recorder.body)))
                self.end_headers()
                self.wfile.write(recorder.body)

            do_POST = do_PURGE = _record

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def varnish(recorder, settings):
    settings.CMS_EDGE_PURGE_BACKEND = "varnish"
    settings.CMS_EDGE_VARNISH_URLS = [recorder.url]
    return recorder


def work():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def purged_keys(requests):
    return {key for _m, _p, headers, _b in requests for key in headers["xkey-purge"].split()}


@pytest.mark.django_db(transaction=True)
def test_a_change_records_its_purge_in_its_own_transaction(varnish):
    with transaction.atomic():
        story = make_story("s")
        recorded = {d for row in EdgePurge.objects.all() for d in row.dependencies}
        assert {f"story:{story.pk}", "stories"} <= recorded
        assert DBTaskResult.objects.filter(task_path="api.caching.purge.send").exists()
    assert varnish.requests == []  # Nothing is sent during the save.
    work()
    assert {"stories", f"story:{story.pk}"} <= purged_keys(varnish.requests)
    assert not EdgePurge.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_purges_nothing(varnish):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_story("s")
        raise RuntimeError("the editor's save failed")
    assert EdgePurge.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    work()
    assert varnish.requests == []


@pytest.mark.django_db(transaction=True)
def test_nothing_is_recorded_without_an_edge_or_replicas(settings):
    settings.CMS_EDGE_PURGE_BACKEND = "none"
    make_story("s")
    assert EdgePurge.objects.count() == 0
    # The story's going live queues its ranking, and nothing for the edge.
    assert not DBTaskResult.objects.filter(task_path__startswith="api.caching.purge").exists()


@pytest.mark.django_db(transaction=True)
def test_many_changes_are_sent_in_one_batch(varnish):
    tag = make_tag("robots", en="Robots")
    stories = [make_story(f"s{n}", tags=[tag]) for n in range(5)]
    Source.objects.create(slug="wire", name="Wire")
    work()
    assert len(varnish.requests) == 1
    ((method, path, _headers, _body),) = varnish.requests
    assert (method, path) == ("PURGE", "/")
    keys = purged_keys(varnish.requests)
    assert {f"story:{story.pk}" for story in stories} <= keys
    assert {"stories", "tags", f"tag:{tag.pk}", "source:all"} <= keys


@pytest.mark.django_db(transaction=True)
def test_varnish_gets_every_key_in_headers_it_accepts(varnish):
    keys = [f"story:{n}" for n in range(3000)]
    purge_backends.varnish(keys)
    assert all(len(h["xkey-purge"]) <= 7000 for _m, _p, h, _b in varnish.requests)
    assert purged_keys(varnish.requests) == set(keys)


@pytest.mark.django_db(transaction=True)
def test_fastly_is_asked_with_its_batch_purge_request(recorder, settings):
    settings.CMS_EDGE_PURGE_BACKEND = "fastly"
    settings.CMS_EDGE_FASTLY_API_URL = recorder.url
    settings.CMS_EDGE_FASTLY_SERVICE_ID = "SU1Z0isxPaozGVKXdv0eY"
    settings.CMS_EDGE_FASTLY_API_TOKEN = "fastly-token"
    keys = [f"story:{n}" for n in range(300)]
    purge_backends.purge(keys)
    assert [(m, p) for m, p, _h, _b in recorder.requests] == [
        ("POST", "/service/SU1Z0isxPaozGVKXdv0eY/purge")
    ] * 2
    first, second = (headers for _m, _p, headers, _b in recorder.requests)
    assert first["fastly-key"] == "fastly-token"
    assert first["surrogate-key"].split(" ") == keys[:256]
    assert second["surrogate-key"].split(" ") == keys[256:]


@pytest.mark.django_db(transaction=True)
def test_cloudflare_is_asked_to_purge_by_cache_tag(recorder, settings):
    settings.CMS_EDGE_PURGE_BACKEND = "cloudflare"
    settings.CMS_EDGE_CLOUDFLARE_API_URL = recorder.url
    settings.CMS_EDGE_CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
    settings.CMS_EDGE_CLOUDFLARE_API_TOKEN = "cf-token"
    keys = [f"tag:{n}" for n in range(45)]
    purge_backends.purge(keys)
    assert [(m, p) for m, p, _h, _b in recorder.requests] == [
        ("POST", "/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache")
    ] * 2
    _m, _p, headers, _body = recorder.requests[0]
    assert headers["authorization"] == "Bearer cf-token"
    assert headers["content-type"] == "application/json"
    bodies = [json.loads(body) for _m, _p, _h, body in recorder.requests]
    assert bodies == [{"tags": keys[:30]}, {"tags": keys[30:]}]


@pytest.mark.django_db(transaction=True)
def test_cloudflare_refusing_in_its_answer_is_a_failure(recorder, settings):
    settings.CMS_EDGE_PURGE_BACKEND = "cloudflare"
    settings.CMS_EDGE_CLOUDFLARE_API_URL = recorder.url
    recorder.body = b'{"success": false, "errors": [{"code": 1134, "message": "no"}]}'
    with pytest.raises(purge_backends.PurgeError):
        purge_backends.purge(["stories"])


@pytest.mark.django_db(transaction=True)
def test_a_failed_purge_is_retried_with_backoff(varnish):
    varnish.status = 503
    story = make_story("s")
    work()
    row = EdgePurge.objects.filter(sent_at__isnull=True).first()
    assert row.attempts == 1
    assert "HTTP 503" in row.last_error
    assert row.not_before > timezone.now()
    retry = DBTaskResult.objects.filter(status="READY").order_by("-run_after").first()
    assert retry.run_after > timezone.now()
    failed_requests = len(varnish.requests)
    work()  # The retry is not due yet.
    assert len(varnish.requests) == failed_requests
    varnish.status = 200
    # The backoff has passed.
    EdgePurge.objects.filter(sent_at__isnull=True).update(not_before=timezone.now())
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    work()
    assert not EdgePurge.objects.filter(sent_at__isnull=True).exists()
    assert f"story:{story.pk}" in purged_keys(varnish.requests[failed_requests:])


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_story_is_purged_again_at_its_publish_time(varnish):
    publish_at = timezone.now() + timedelta(hours=2)
    story = make_story("later", hours_ago=-2)
    work()
    scheduled = EdgePurge.objects.get(sent_at__isnull=True)
    assert abs(scheduled.not_before - publish_at) < timedelta(seconds=5)
    assert set(scheduled.dependencies) == {f"story:{story.pk}", "stories", "tags"}
    task = DBTaskResult.objects.get(status="READY", task_path__startswith="api.caching.purge")
    assert task.run_after == scheduled.not_before
    sent_before = len(varnish.requests)
    EdgePurge.objects.filter(pk=scheduled.pk).update(not_before=timezone.now())
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now())
    work()
    assert "stories" in purged_keys(varnish.requests[sent_before:])


@pytest.mark.django_db(transaction=True)
def test_purges_wait_until_the_replicas_replayed_the_change(varnish, monkeypatch):
    monkeypatch.setattr(purge, "REPLICA_WAIT", 0)
    monkeypatch.setattr(purge, "replica_aliases", lambda: ["replica_0"])
    monkeypatch.setattr(db_router, "primary_position", lambda: "0/3000060")
    replayed = {"position": "0/2FFFFF8"}

    def lagging(position):
        behind = db_router.wal_lsn(replayed["position"]) < db_router.wal_lsn(position)
        return ["replica_0"] if behind else []

    monkeypatch.setattr(purge, "lagging_replicas", lagging)
    story = make_story("s")
    cache.set(f"v:story:{story.pk}", 1, timeout=None)
    work()
    assert varnish.requests == []
    row = EdgePurge.objects.filter(sent_at__isnull=True).first()
    assert row.wal_position == "0/3000060"
    assert "waiting for replica_0" in row.last_error
    assert row.attempts == 0
    replayed["position"] = "0/3000060"
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    work()
    assert f"story:{story.pk}" in purged_keys(varnish.requests)
    # The response cache is invalidated again too: a lagging replica may have filled it.
    assert cache.get(f"v:story:{story.pk}") != 1


@pytest.mark.django_db(transaction=True)
def test_wal_positions_compare_as_numbers():
    assert db_router.wal_lsn("0/FFFFFFFF") < db_router.wal_lsn("1/0")
    assert db_router.wal_lsn("0/16B3748") < db_router.wal_lsn("0/16B3750")
    assert db_router.wal_lsn("A/0") == 10 << 32


def test_purges_do_not_wait_for_a_replica_the_router_skips(monkeypatch):
    """A replica lagging past the bound (replay paused, say) serves no reads: waiting for it
    would keep the old content at the edge and in the response cache for as long."""
    monkeypatch.setattr(purge, "replica_aliases", lambda: ["replica_0", "replica_1"])
    monkeypatch.setattr(db_router, "replayed_position", lambda alias: "0/1000")
    skipped = {"replica_0"}
    monkeypatch.setattr(db_router, "healthy", lambda alias: alias not in skipped)
    assert purge.lagging_replicas("0/2000") == ["replica_1"]
    skipped.add("replica_1")
    assert purge.lagging_replicas("0/2000") == []
    skipped.clear()
    assert purge.lagging_replicas("0/2000") == ["replica_0", "replica_1"]
    assert purge.lagging_replicas("0/1000") == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_shows_the_queue_depth_and_the_last_failure(varnish, admin_client, language):
    varnish.status = 500
    make_story("s")
    work()
    make_story("later", hours_ago=-1)
    with translation.override(language):
        response = admin_client.get("/admin/cms/edgepurge/", headers={"accept-language": language})
    assert response.status_code == 200
    text = response.content.decode()
    heading = {"en": "Edge purge queue", "zh-hans": "边缘缓存清除队列"}[language]
    assert heading in text
    assert "HTTP 500" in text
    # The second story's rows are due; the first's wait out their backoff, if not yet due.
    due = int(re.search(r'<td id="edge-due">(\d+)</td>', text).group(1))
    assert due >= 2
    assert Story.objects.filter(slug="later").exists()


@pytest.mark.django_db(transaction=True)
def test_changes_to_a_partner_key_owe_the_edge_nothing(varnish):
    partner = Partner.objects.create(name="Daily")
    ApiKey.issue(partner=partner, name="site", scopes=["read"])
    assert EdgePurge.objects.count() == 0


STORY = "query($slug: String!) { story(slug: $slug) { title tags { name } } }"


LIST = "{ stories(first: 5) { edges { node { slug } } } }"


EDGE_HEADERS = ("Surrogate-Key", "Cache-Tag", "Surrogate-Control", "CDN-Cache-Control")


def get(client, query, variables=None, **headers):
    params = {"query": query}
    if variables:
        params["variables"] = json.dumps(variables)
    return client.get("/graphql", params, headers={"accept": "application/json", **headers})


def control(value):
    return dict((part.split("=")[0].strip(), int(part.split("=")[1])) for part in value.split(","))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_public_get_names_its_dependencies_as_surrogate_keys_and_cache_tags(client, language):
    tag = make_tag("robots", en="Robots")
    story = make_story("s", tags=[tag])
    response = get(client, STORY, {"slug": "s"}, accept_language=language)
    assert response.status_code == 200
    keys = response["Surrogate-Key"].split(" ")
    assert f"story:{story.pk}" in keys
    assert response["Cache-Tag"].split(",") == keys
    assert all(re.fullmatch(r"[A-Za-z0-9:._-]+", key) for key in keys)
    # The same answer again, now from the response cache, says the same.
    again = get(client, STORY, {"slug": "s"}, accept_language=language)
    assert again["Surrogate-Key"] == response["Surrogate-Key"]


@override_settings(
    CMS_EDGE_PURGE_BACKEND="varnish",
    CMS_EDGE_MAX_AGE=3600,
    CMS_EDGE_STALE_WHILE_REVALIDATE=20,
    CMS_EDGE_STALE_IF_ERROR=600,
)
def test_with_a_purge_backend_edges_keep_answers_longer_than_browsers(client):
    make_story("s")
    response = get(client, LIST)
    assert "max-age=30" in response["Cache-Control"]
    assert response["CDN-Cache-Control"] == response["Surrogate-Control"]
    assert control(response["Surrogate-Control"]) == {
        "max-age": 3600,
        "stale-while-revalidate": 20,
        "stale-if-error": 600,
    }
    # Served again from the response cache, the answer says the same.
    assert get(client, LIST)["Surrogate-Control"] == response["Surrogate-Control"]


def test_without_a_purge_backend_edges_keep_answers_as_long_as_shared_caches(client):
    make_story("s")
    response = get(client, LIST)
    assert "s-maxage=60" in response["Cache-Control"]
    assert control(response["Surrogate-Control"])["max-age"] == 60


@pytest.mark.parametrize("backend", ["none", "varnish"])
def test_answers_with_counters_stay_at_the_edge_no_longer_than_their_counts(
    client, settings, backend
):
    settings.CMS_EDGE_PURGE_BACKEND = backend
    make_story("s")
    response = get(client, '{ story(slug: "s") { viewCount } }')
    assert control(response["Surrogate-Control"])["max-age"] <= 10


@pytest.mark.parametrize("backend", ["none", "varnish"])
def test_the_edge_lifetime_ends_when_a_scheduled_story_goes_live(client, settings, backend):
    settings.CMS_EDGE_PURGE_BACKEND = backend
    settings.CMS_HTTP_SHARED_MAX_AGE = 600
    make_story("now")
    make_story("later", hours_ago=-90 / 3600)
    response = get(client, LIST)
    assert control(response["Surrogate-Control"])["max-age"] <= 90


def test_keyed_answers_carry_no_edge_caching(client):
    make_story("s")
    partner = Partner.objects.create(name="Daily")
    _key, secret = ApiKey.issue(partner=partner, name="site", scopes=["read"])
    response = get(client, LIST, authorization=f"Bearer {secret}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert not any(name in response for name in EDGE_HEADERS)


def test_previews_carry_no_edge_caching(client, admin_user):
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    token = preview.issue(draft, admin_user)
    response = get(client, STORY, {"slug": "draft"}, preview_token=token)
    assert response.status_code == 200
    assert response.json()["data"]["story"] is not None
    assert not any(name in response for name in EDGE_HEADERS)


def test_errors_and_posts_carry_no_edge_caching(client):
    make_story("s")
    for response in (
        get(client, "{ story(slug: 5) { title } }"),
        get(client, "{ nope }"),
        get(client, "{"),
        client.post(
            "/graphql", {"query": LIST}, content_type="application/json", accept="application/json"
        ),
    ):
        assert not any(name in response for name in EDGE_HEADERS), response.content


@override_settings(CMS_EDGE_MAX_KEYS=5)
def test_an_answer_with_more_keys_than_providers_take_falls_back_to_broad_keys():
    dependencies = {f"story:{n}": 1 for n in range(40)} | {"tag:1": 1, "tag:2": 1, "source:3": 1}
    keys = edge.answer_keys(dependencies)
    assert len(keys) <= 5
    assert "stories" in keys
    assert not any(key.startswith("story:") for key in keys)
    assert {"tag:1", "tag:2", "source:3"} <= set(keys)


@override_settings(CMS_EDGE_MAX_HEADER_BYTES=200)
def test_keys_stay_within_the_header_size_providers_accept():
    dependencies = {f"story:{n}": 1 for n in range(100)} | {f"tag:{n}": 1 for n in range(3)}
    keys = edge.answer_keys(dependencies)
    assert len(" ".join(keys)) <= 200
    assert len(",".join(keys)) <= 200
    assert {"stories", "tag:0", "tag:1", "tag:2"} <= set(keys)


def test_an_akamai_sized_answer_keeps_every_key():
    dependencies = {f"story:{n}": 1 for n in range(120)}
    assert len(edge.answer_keys(dependencies)) == 120


def test_long_or_odd_dependencies_become_short_hashed_tokens():
    odd = "search:robots fold laundry, quickly"
    long = "x" * 200
    assert edge.token("story:12") == "story:12"
    for dependency in (odd, long):
        token = edge.token(dependency)
        assert re.fullmatch(r"h-[0-9a-f]{16}", token)
        assert token == edge.token(dependency)
    assert edge.token(odd) != edge.token(long)


def test_a_purge_of_one_member_also_purges_the_broad_key_standing_for_it():
    assert edge.purge_keys(["story:3", "stories"]) == ["stories", "story:3"]
    assert edge.purge_keys(["tag:2"]) == ["tag:2", "tags"]
    assert edge.purge_keys(["source:4"]) == ["source:4", "source:all"]
    # Every broad key an answer falls back to is among them.
    many = {f"source:{n}": 1 for n in range(200)}
    assert "source:all" in edge.answer_keys(many)


@pytest.mark.parametrize("path", ["/feeds/en/rss.xml", "/feeds/zh-hans/feed.json"])
def test_public_feeds_carry_list_keys_and_keyed_feeds_are_never_shared(client, path):
    make_story("s")
    response = client.get(path)
    assert response.status_code == 200
    assert set(response["Surrogate-Key"].split()) == {"stories", "tags", "source:all"}
    assert "max-age=" in response["Surrogate-Control"]
    partner = Partner.objects.create(name="Reader")
    key, secret = ApiKey.issue(partner=partner, name="feed", scopes=["read"])
    for keyed in (
        client.get(path, {"token": key.issue_feed_token()}),
        client.get(path, headers={"authorization": f"Bearer {secret}"}),
    ):
        assert keyed.status_code == 200
        assert keyed["Cache-Control"] == "private, no-store"
        assert not any(name in keyed for name in EDGE_HEADERS)
