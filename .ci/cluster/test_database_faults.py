"""Faults of the primary and of replication, injected into the running cluster under load.

The primary is stopped and its connections are exhausted only when the cluster runs on a
throwaway primary of its own (`CLUSTER_OWN_PRIMARY=1`, as .ci/cluster/run starts it): the
machine's PostgreSQL, which others use, is never stopped or filled. The rule is the fault
suite's (test_faults.py): no 5xx other than a 503 with Retry-After, no hung request, every
path answering 200 again within 30 s of the heal, and nothing lost (the worker is still
there: a story published after the heal reaches the edge).
Run by .ci/cluster/run after test_faults.py, on the same cluster.
"""

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg
import pytest
from test_cluster import (  # noqa: F401
    APP1,
    DATABASE,
    PRIMARY_PORT,
    REPLICA_PORT,
    UPSERT,
    new_story,
    newest_slugs,
    secret,
    sql,
    story_input,
    story_title,
    upsert,
    wait_until,
)
from test_faults import APPS, HOLD, PATHS, RECOVERY, STATE, VARNISH, Load, ctl, get, record

pytestmark = pytest.mark.skipif(
    not (STATE / "primary").exists(),
    reason="the cluster runs on the machine's PostgreSQL, which is never stopped or filled "
    "(start it with CLUSTER_OWN_PRIMARY=1)",
)
REPLICA_LAG = float(os.environ.get("CMS_READYZ_MAX_REPLICA_LAG", "30"))
RECHECK = 3.0


class Writer:
    """A partner's pipeline saving a story through app process 1 every half second; every
    answer kept as (status, Retry-After)."""

    def __init__(self, secret):  # noqa: F811
        self.secret = secret
        self.answers = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.write)

    def write(self):
        external_id = f"writer-{uuid.uuid4().hex[:10]}"
        turn = 0
        while not self.stopping.is_set():
            turn += 1
            fields = story_input(external_id, f"Written {turn}")
            body = json.dumps({"query": UPSERT, "variables": {"input": fields}}).encode()
            request = urllib.request.Request(
                APP1 + "/graphql",
                data=body,
                headers={
                    "Accept": "application/json",
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.secret}",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    response.read()
                    self.answers.append((response.status, None))
            except urllib.error.HTTPError as error:
                self.answers.append((error.code, error.headers.get("Retry-After")))
            except OSError:
                self.answers.append((0, None))
            time.sleep(0.5)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()

    def broken(self):
        return [
            (status, retry_after)
            for status, retry_after in self.answers
            if status == 0 or (status >= 500 and not (status == 503 and retry_after))
        ]


def apps_recovered_within(healed, timeout=RECOVERY):
    """Seconds after `healed` until every path answers 200 straight from both app
    processes (Varnish's copies would hide an origin still failing), or None."""
    while time.monotonic() - healed < timeout:
        if all(get(path, fresh=True, base=base)[0] == 200 for base in APPS for path in PATHS):
            return round(time.monotonic() - healed, 2)
        time.sleep(0.2)
    return None


def published_after_heal(secret):  # noqa: F811
    """Seconds until a story published now is listed through Varnish: the write, the
    worker's purge and the edge all work again."""
    started = time.monotonic()
    _external_id, slug = new_story(secret, title="Published after the heal")
    seen = wait_until(lambda: slug in newest_slugs(), RECOVERY, step=0.2)
    return None if seen is None else round(time.monotonic() - started, 2)


def check(name, load, writer, healed, secret, **more):  # noqa: F811
    recovery = apps_recovered_within(healed)
    publish = published_after_heal(secret)
    statuses = [status for status, _retry in writer.answers]
    summary = record(
        name,
        load,
        recovery,
        writes=len(statuses),
        writes_503=statuses.count(503),
        writes_broken=len(writer.broken()),
        publish_after_heal_seconds=publish,
        **more,
    )
    assert summary["broken_count"] == 0, summary["broken"]
    assert not writer.broken(), writer.broken()
    assert recovery is not None and recovery <= RECOVERY
    assert publish is not None
    return summary


def test_a_stopped_primary_gives_edge_copies_or_503s_and_everything_comes_back(secret):  # noqa: F811
    # Readers through Varnish and straight at both app processes, a writer meanwhile.
    with Load(bases=(VARNISH, *APPS)) as load, Writer(secret) as writer:
        time.sleep(1)
        ctl("primary-stop")
        stopped = time.monotonic()
        time.sleep(HOLD)
        ctl("primary-start")
        healed = time.monotonic()
        time.sleep(1)
    during = [a for a in load.answers if stopped <= a[0] <= healed]
    summary = check(
        "primary_stopped",
        load,
        writer,
        healed,
        secret,
        answers_while_down=len(during),
        answers_503_while_down=sum(1 for a in during if a[2] == 503),
    )
    # The fault was felt: feeds read the primary, and the writer could not write.
    assert summary["answers_503_while_down"] > 0
    assert summary["writes_503"] > 0


def client_backends(held):
    """Pids of every other client's backend on the primary (the apps', the worker's)."""
    ours = [connection.info.backend_pid for connection in held]
    return [
        pid
        for (pid,) in held[0].execute(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> ALL(%s::int[])",
            [ours],
        )
    ]


def take_every_slot(held):
    """Open connections to the primary until it refuses one; returns how many it refused
    with "too many clients"."""
    while True:
        try:
            held.append(
                psycopg.connect(
                    host="127.0.0.1",
                    port=PRIMARY_PORT,
                    user="postgres",
                    dbname=DATABASE,
                    connect_timeout=2,
                    autocommit=True,
                )
            )
        except psycopg.OperationalError as error:
            assert "too many clients" in str(error) or "reserved" in str(error), error
            return


def test_exhausted_primary_connections_give_503s_with_retry_after_and_recover(secret):  # noqa: F811
    held = []
    with Load(bases=(VARNISH, *APPS)) as load, Writer(secret) as writer:
        time.sleep(1)
        try:
            take_every_slot(held)
            # Another client holds every free slot; the apps' own connections are ended (as a
            # restart or an idle timeout would), and each slot they free is taken too.
            filled = time.monotonic()
            others = client_backends(held)
            while others and time.monotonic() - filled < 5:
                held[0].execute(
                    "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) pid", [others]
                )
                take_every_slot(held)
                others = client_backends(held)
            exhausted = time.monotonic()
            time.sleep(HOLD)
        finally:
            for connection in held:
                connection.close()
        healed = time.monotonic()
        time.sleep(1)
    during = [a for a in load.answers if exhausted <= a[0] <= healed]
    summary = check(
        "primary_connections_exhausted",
        load,
        writer,
        healed,
        secret,
        connections_held=len(held),
        other_clients_left=len(others),
        answers_while_exhausted=len(during),
        answers_503_while_exhausted=sum(1 for a in during if a[2] == 503),
    )
    assert summary["answers_503_while_exhausted"] > 0


def story_read(slug, base):
    """The story's title as an app process answers it now (its response cache skipped)."""
    query = "{ story(slug: %s) { title } }" % json.dumps(slug)  # noqa: UP031 (GraphQL braces)
    request = urllib.request.Request(
        base + "/graphql?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/json", "Cache-Control": "no-cache"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return (json.loads(response.read())["data"]["story"] or {}).get("title")


def test_a_replica_whose_replay_is_paused_is_skipped_for_the_primary(secret):  # noqa: F811
    external_id, slug = new_story(secret, title="Before the pause")
    assert wait_until(lambda: story_read(slug, APPS[0]) == "Before the pause", 10) is not None
    with Load(bases=APPS) as load:
        sql("SELECT pg_wal_replay_pause()", port=REPLICA_PORT)
        try:
            upsert(secret, **story_input(external_id, "Written during the pause"))
            written = time.monotonic()
            # Both processes read the primary once the replica's lag passes the bound.
            switched = wait_until(
                lambda: all(story_read(slug, base) == "Written during the pause" for base in APPS),
                REPLICA_LAG + RECHECK + 10,
                step=0.1,
            )
            # Purges stop waiting for the skipped replica: the edge has it from the primary.
            at_the_edge = wait_until(
                lambda: story_title(slug) == "Written during the pause", 10, step=0.1
            )
            replica_title = sql(
                "SELECT t.title FROM cms_story_translation t"
                f" JOIN cms_story s ON s.id = t.master_id"
                f" WHERE s.slug = '{slug}' AND t.language_code = 'en'",
                port=REPLICA_PORT,
            )
            time.sleep(1)
        finally:
            sql("SELECT pg_wal_replay_resume()", port=REPLICA_PORT)
        resumed = time.monotonic()
        time.sleep(1)
    record(
        "replica_replay_paused",
        load,
        apps_recovered_within(resumed),
        primary_reads_after_seconds=None if switched is None else round(switched, 2),
        edge_after_seconds=None if at_the_edge is None else round(switched + at_the_edge, 2),
        written_at=round(written - resumed, 2),
    )
    # The replica itself still had the old title: the new one came from the primary.
    assert replica_title == "Before the pause"
    assert switched is not None and switched <= REPLICA_LAG + RECHECK + 2, switched
    assert at_the_edge is not None
    assert not load.broken() and load.unavailable() == 0
