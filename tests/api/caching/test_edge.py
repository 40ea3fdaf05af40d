"""Edge purges: recorded with the change, sent by the worker in batches, retried, and shown."""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from api.caching import purge, purge_backends
from cms.models import ApiKey, EdgePurge, Partner, Source, Story
from tests.factories import make_story, make_tag

# The worker closes its database connection after tasks: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


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


def test_a_rolled_back_change_purges_nothing(varnish):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_story("s")
        raise RuntimeError("the editor's save failed")
    assert EdgePurge.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    work()
    assert varnish.requests == []


def test_nothing_is_recorded_without_an_edge_or_replicas(settings):
    settings.CMS_EDGE_PURGE_BACKEND = "none"
    make_story("s")
    assert EdgePurge.objects.count() == 0
    # The story's going live queues its ranking, and nothing for the edge.
    assert not DBTaskResult.objects.filter(task_path__startswith="api.caching.purge").exists()


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


def test_varnish_gets_every_key_in_headers_it_accepts(varnish):
    keys = [f"story:{n}" for n in range(3000)]
    purge_backends.varnish(keys)
    assert all(len(h["xkey-purge"]) <= 7000 for _m, _p, h, _b in varnish.requests)
    assert purged_keys(varnish.requests) == set(keys)


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


def test_cloudflare_refusing_in_its_answer_is_a_failure(recorder, settings):
    settings.CMS_EDGE_PURGE_BACKEND = "cloudflare"
    settings.CMS_EDGE_CLOUDFLARE_API_URL = recorder.url
    recorder.body = b'{"success": false, "errors": [{"code": 1134, "message": "no"}]}'
    with pytest.raises(purge_backends.PurgeError):
        purge_backends.purge(["stories"])


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


def test_purges_wait_until_the_replicas_replayed_the_change(varnish, monkeypatch):
    monkeypatch.setattr(purge, "REPLICA_WAIT", 0)
    monkeypatch.setattr(purge, "replica_aliases", lambda: ["replica_0"])
    monkeypatch.setattr(purge, "primary_position", lambda: "0/3000060")
    replayed = {"position": "0/2FFFFF8"}

    def lagging(position):
        return ["replica_0"] if purge._lsn(replayed["position"]) < purge._lsn(position) else []

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


def test_wal_positions_compare_as_numbers():
    assert purge._lsn("0/FFFFFFFF") < purge._lsn("1/0")
    assert purge._lsn("0/16B3748") < purge._lsn("0/16B3750")
    assert purge._lsn("A/0") == 10 << 32


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


def test_changes_to_a_partner_key_owe_the_edge_nothing(varnish):
    partner = Partner.objects.create(name="Daily")
    ApiKey.issue(partner=partner, name="site", scopes=["read"])
    assert EdgePurge.objects.count() == 0
