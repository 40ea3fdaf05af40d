"""The production topology, driven from outside: Varnish, two app processes, a streaming
replica, Redis and the task worker, as `deploy/cluster/ctl start` leaves them running.

Edits go through app process 1 (:9101) with the pipeline's `upsertStory`; reads go through
Varnish (:9100), which sends misses to either process. Run by .ci/cluster/run.
"""

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CTL = ROOT / "deploy" / "cluster" / "ctl"
VARNISH = "http://127.0.0.1:9100"
APP1 = "http://127.0.0.1:9101"
REPLICA_PORT = os.environ.get("CLUSTER_REPLICA_PORT", "5433")
UPSERT = """mutation($input: StoryInput!) { upsertStory(input: $input) {
  errors { field message } story { slug status } } }"""


def cluster_env():
    lines = subprocess.run([CTL, "env"], check=True, capture_output=True, text=True).stdout
    return {**os.environ, **dict(line.split("=", 1) for line in lines.split())}


ENV = cluster_env()
DATABASE = ENV["DATABASE_URL"].rsplit("/", 1)[1]
# The cluster's primary: the machine's PostgreSQL, or a throwaway one (CLUSTER_OWN_PRIMARY).
PRIMARY_PORT = urllib.parse.urlsplit(ENV["DATABASE_URL"]).port or 5432


def sql(query, port=str(PRIMARY_PORT)):
    command = ["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", DATABASE]
    result = subprocess.run([*command, "-Atc", query], check=True, capture_output=True, text=True)
    return result.stdout.strip()


@pytest.fixture(scope="module")
def secret():
    code = (
        "from cms.models import ApiKey, Partner\n"
        "partner, _ = Partner.objects.get_or_create(name='Cluster test')\n"
        "_key, secret = ApiKey.issue(partner=partner, name='cluster', "
        "scopes=['read', 'ingest', 'publish'], per_minute=10**6, per_day=10**7)\n"
        "print(secret)"
    )
    result = subprocess.run(
        [ROOT / ".venv" / "bin" / "python", "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def http(url, body=None, headers=None):
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Accept": "application/json", **(headers or {})},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), json.loads(response.read())


def upsert(secret, **fields):
    body = json.dumps({"query": UPSERT, "variables": {"input": fields}}).encode()
    _status, _headers, answer = http(
        APP1 + "/graphql",
        body,
        {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    assert not answer.get("errors"), answer
    assert answer["data"]["upsertStory"]["errors"] == [], answer
    return answer["data"]["upsertStory"]["story"]


def story_input(external_id, title, **fields):
    return {
        "externalId": external_id,
        "publish": True,
        # Written by a person: AI-generated text would need an editor's review first
        # (CMS_AI_PUBLISH_REQUIRES_REVIEW), which is not what this test is about.
        "aiGenerated": False,
        "translations": [{"language": "en", "title": title, "summary": "Cluster test."}],
        **fields,
    }


def read(query, headers=None):
    """A GET through Varnish: (X-Cache, headers, data)."""
    url = VARNISH + "/graphql?" + urllib.parse.urlencode({"query": query})
    _status, response_headers, answer = http(url, headers=headers)
    return response_headers.get("X-Cache"), response_headers, answer.get("data")


def story_query(slug):
    return "{ story(slug: %s) { title } }" % json.dumps(slug)  # noqa: UP031 (GraphQL braces)


def story_title(slug):
    _cache, _headers, data = read(story_query(slug))
    return (data["story"] or {}).get("title")


def newest_slugs():
    _cache, _headers, data = read("{ stories(first: 10) { edges { node { slug } } } }")
    return [edge["node"]["slug"] for edge in data["stories"]["edges"]]


def wait_until(condition, timeout, step=0.02):
    """Seconds until `condition()` held, or None when it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(step)
    return None


def due_tasks():
    """Tasks due now that the worker has not taken yet (a task without a time is due)."""
    return int(
        sql(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
            " AND (run_after <= now() OR run_after > now() + interval '100 years')"
        )
    )


@pytest.fixture(scope="module", autouse=True)
def settled_queue():
    """A fresh cluster's worker first ranks every demo story (a task each, queued by
    load_demo): timings start once that backlog is worked off, not behind it."""
    assert wait_until(lambda: due_tasks() == 0, 120, step=0.5) is not None


def new_story(secret, title="First title", **fields):
    external_id = f"cluster-{uuid.uuid4().hex[:10]}"
    slug = upsert(secret, **story_input(external_id, title, **fields))["slug"]
    return external_id, slug


def test_an_edit_saved_through_one_app_process_is_served_through_varnish_within_a_second(
    secret,
):
    external_id, slug = new_story(secret)
    assert wait_until(lambda: story_title(slug) == "First title", 5) is not None
    # The creation's own purge may still evict the first copy once the replica replayed it.
    query = story_query(slug)
    assert wait_until(lambda: read(query)[0] == "HIT", 5) is not None
    for attempt in range(3):
        title = f"Edited title {attempt}"
        upsert(secret, **story_input(external_id, title))
        seen_after = wait_until(lambda title=title: story_title(slug) == title, 5)
        assert seen_after is not None and seen_after < 1.0, seen_after
    assert wait_until(lambda: read(query)[0] == "HIT", 5) is not None


def test_a_scheduled_story_appears_through_varnish_at_its_time(secret):
    publish_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
    _external_id, slug = new_story(
        secret, title="Scheduled", publishedAt=publish_at.isoformat().replace("+00:00", "Z")
    )
    assert slug not in newest_slugs()
    query = "{ stories(first: 10) { edges { node { slug } } } }"
    assert wait_until(lambda: read(query)[0] == "HIT", 5) is not None
    while datetime.now(UTC) < publish_at - timedelta(seconds=1):
        assert slug not in newest_slugs()
        time.sleep(0.2)
    late = wait_until(lambda: datetime.now(UTC) >= publish_at and slug in newest_slugs(), 10)
    assert late is not None
    appeared = datetime.now(UTC)
    assert appeared - publish_at < timedelta(seconds=1.5), appeared - publish_at
    assert story_title(slug) == "Scheduled"


def test_a_keyed_request_never_gets_an_edge_cached_answer(secret):
    query = "{ stories(first: 3) { edges { node { slug } } } }"
    # The previous test's scheduled story may still be purging the lists at the edge.
    assert wait_until(lambda: read(query)[0] == "HIT", 5) is not None
    for headers in (
        {"Authorization": f"Bearer {secret}"},
        {"Preview-Token": "not-a-token"},
        {"Cookie": "sessionid=abc"},
    ):
        try:
            cache, response_headers, _data = read(query, headers)
        except urllib.error.HTTPError as error:
            cache, response_headers = error.headers.get("X-Cache"), dict(error.headers)
        assert cache == "PASS", headers
        assert "Surrogate-Control" not in response_headers
    _cache, keyed_headers, _data = read(query, {"Authorization": f"Bearer {secret}"})
    assert keyed_headers["Cache-Control"] == "private, no-store"
    assert "Cache-Tag" not in keyed_headers


def pending_purge_state():
    """'due rows not sent|their most attempts' (rows for stories published later are not due)."""
    return sql(
        "SELECT count(*), coalesce(max(attempts), 0) FROM cms_edgepurge"
        " WHERE sent_at IS NULL AND (not_before <= now() OR attempts > 0)"
    )


def test_a_purge_lost_to_a_varnish_restart_is_repaired_by_the_retry(secret):
    external_id, slug = new_story(secret, title="Before the restart")
    assert wait_until(lambda: story_title(slug) == "Before the restart", 5) is not None
    subprocess.run([CTL, "varnish-stop"], check=True)
    try:
        upsert(secret, **story_input(external_id, "After the restart"))
        assert wait_until(lambda: int(pending_purge_state().split("|")[1]) >= 1, 10) is not None
        failure = sql(
            "SELECT last_error FROM cms_edgepurge WHERE sent_at IS NULL AND attempts > 0 LIMIT 1"
        )
        assert "9100" in failure or "refused" in failure.lower(), failure
    finally:
        subprocess.run([CTL, "varnish-start"], check=True)
    # Varnish is back, refilled by readers; the retry still sends the purge it missed.
    story_title(slug)
    assert wait_until(lambda: pending_purge_state().startswith("0|"), 30, step=0.2) is not None
    assert story_title(slug) == "After the restart"


def replica_wait_recorded():
    errors = sql("SELECT string_agg(last_error, ' ') FROM cms_edgepurge WHERE sent_at IS NULL")
    return "waiting for replica_0" in errors


def test_purges_wait_for_the_replica_to_replay_the_change(secret):
    external_id, slug = new_story(secret, title="Replicated")
    assert wait_until(lambda: story_title(slug) == "Replicated", 5) is not None
    sql("SELECT pg_wal_replay_pause()", port=REPLICA_PORT)
    try:
        upsert(secret, **story_input(external_id, "Replayed later"))
        assert wait_until(replica_wait_recorded, 10) is not None
        # The replica still has the old title, and so the edge keeps what it had.
        assert story_title(slug) == "Replicated"
        resumed = time.monotonic()
    finally:
        sql("SELECT pg_wal_replay_resume()", port=REPLICA_PORT)
    assert wait_until(lambda: story_title(slug) == "Replayed later", 5) is not None
    assert time.monotonic() - resumed < 2.5
    assert wait_until(lambda: pending_purge_state().startswith("0|"), 5) is not None


VARNISH_DIR = subprocess.run(
    [CTL, "varnish-dir"], check=True, capture_output=True, text=True
).stdout.strip()


def origin_fetches():
    """Varnish's count of fetches from the app processes (MAIN.backend_req)."""
    out = subprocess.run(
        ["varnishstat", "-n", VARNISH_DIR, "-1", "-f", "MAIN.backend_req"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.split()[1])


def edge_get(path):
    """(status, X-Cache) of a GET through Varnish, any status."""
    request = urllib.request.Request(VARNISH + path, headers={"Accept": "application/xml"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status, response.headers.get("X-Cache")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Cache")


def purge_edge(keys):
    request = urllib.request.Request(VARNISH + "/", method="PURGE", headers={"xkey-purge": keys})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/feeds/en/rss.xml", [""]),
        ("/feeds/zh-hans/atom.xml", ["tag=security"]),
        ("/sitemaps/en.xml", ["", "p=1", "p=01"]),
        ("/sitemap.xml", ["", "p=2"]),
    ],
)
def test_junk_query_strings_on_feeds_and_sitemaps_reach_the_origin_once(path, kept):
    # Earlier tests' purges done, so none evicts the object while this one counts.
    assert wait_until(lambda: pending_purge_state().startswith("0|"), 30, step=0.2) is not None
    purge_edge("stories tags")
    noise = uuid.uuid4().hex[:8]
    junk = [
        f"x={noise}",
        f"utm_source={noise}&utm_medium=rss",
        f"b={noise}&a=1",
        "tag=",
        f"page={noise}",
        f"cachebust={noise}&_={noise}",
        f"TAG={noise}",
        "&&",
    ]
    before = origin_fetches()
    seen = []
    for number, extra in enumerate(junk * 2):
        # The kept parameter first, last, and alone with junk around it.
        own = kept[number % len(kept)]
        query = "&".join(part for part in ((own, extra) if number % 2 else (extra, own)) if part)
        seen.append(edge_get(f"{path}?{query}"))
    fetched = origin_fetches() - before
    assert {status for status, _cache in seen} == {200}, seen
    assert [cache for _status, cache in seen].count("MISS") == 1, seen
    assert fetched == 1, (fetched, seen)


@pytest.mark.parametrize(
    "path", ["/feeds/en/rss.xml?tag=security&tag=policy", "/sitemaps/en.xml?p=2&x=1&p=1"]
)
def test_a_kept_parameter_given_twice_is_refused_by_the_origin_and_never_stored(path):
    for _attempt in range(2):
        status, cache = edge_get(path)
        assert status in (400, 404) and cache == "PASS", (status, cache)


def test_a_feed_token_is_never_dropped_into_the_public_feed():
    status, cache = edge_get("/feeds/en/rss.xml?utm=1&token=not-a-token")
    assert (status, cache) == (401, "PASS")
