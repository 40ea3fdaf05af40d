"""Faults injected into the running cluster under a bounded load, one at a time.

While a few threads read through Varnish (the front page, a story, feeds in both
languages), each fault is held for a few seconds and healed. The rule: no answer is a 5xx
other than a 503 with Retry-After, every path answers 200 again within 30 s of the heal,
and nothing is lost (a webhook delivery cut by a killed worker arrives, with its id).
Each test writes what it saw to $CLUSTER_STATE/faults/<test>.json for the report.
Run by .ci/cluster/run after test_cluster.py, on the same cluster.
"""

import contextlib
import http.server
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_cluster import (  # noqa: F401
    ENV,
    PRIMARY_PORT,
    ROOT,
    VARNISH,
    new_story,
    secret,
    sql,
)

STATE = Path(os.environ.get("CLUSTER_STATE", ROOT / "var" / "cluster"))
REPORT = STATE / "faults"
APPS = ("http://127.0.0.1:9101", "http://127.0.0.1:9102")
RECOVERY = 30.0
HOLD = float(os.environ.get("CLUSTER_FAULT_SECONDS", "6"))
PATHS = [
    "/graphql?"
    + urllib.parse.urlencode({"query": "{ stories(first: 5) { edges { node { slug title } } } }"}),
    "/feeds/en/rss.xml",
    "/feeds/zh-hans/atom.xml",
    "/sitemap.xml",
]


def get(path, fresh=False, base=VARNISH):
    """(status, Retry-After) of one GET (through Varnish by default); 0 for no answer."""
    headers = {"Accept": "application/json"}
    if fresh:
        headers["Cache-Control"] = "no-cache"
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            response.read()
            return response.status, response.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")
    except OSError:
        return 0, None


class Load:
    """A few readers through Varnish; every answer kept with its time."""

    def __init__(self, readers=3, fresh=True, bases=(VARNISH,)):
        self.answers = []
        self.bases = bases
        self.stopping = threading.Event()
        self.fresh = fresh
        self.threads = [threading.Thread(target=self.read, args=(i,)) for i in range(readers)]

    def read(self, offset):
        turn = offset
        while not self.stopping.is_set():
            path = PATHS[turn % len(PATHS)]
            turn += 1
            base = self.bases[turn % len(self.bases)]
            status, retry_after = get(path, fresh=self.fresh, base=base)
            self.answers.append((time.monotonic(), path, status, retry_after))
            time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def broken(self):
        """Answers that break the rule: a 5xx other than 503 with Retry-After, or none."""
        return [
            (path, status)
            for _t, path, status, retry_after in self.answers
            if status == 0 or (status >= 500 and not (status == 503 and retry_after))
        ]

    def unavailable(self):
        return sum(1 for *_rest, status, _r in self.answers if status == 503)


def recovered_within(healed, timeout=RECOVERY):
    """Seconds after `healed` until every path answers 200, or None."""
    while time.monotonic() - healed < timeout:
        if all(get(path, fresh=True)[0] == 200 for path in PATHS):
            return round(time.monotonic() - healed, 2)
        time.sleep(0.2)
    return None


def record(name, load, recovery, **more):
    REPORT.mkdir(parents=True, exist_ok=True)
    summary = {
        "requests": len(load.answers),
        "503_with_retry_after": load.unavailable(),
        "broken": load.broken()[:20],
        "broken_count": len(load.broken()),
        "recovery_seconds": recovery,
        **more,
    }
    (REPORT / f"{name}.json").write_text(json.dumps(summary, indent=1))
    print(name, json.dumps(summary))
    return summary


def survived(name, load, healed, **more):
    recovery = recovered_within(healed)
    summary = record(name, load, recovery, **more)
    assert summary["broken_count"] == 0, summary["broken"]
    assert recovery is not None and recovery <= RECOVERY


def pid(name):
    return int((STATE / name).read_text().strip())


def ctl(*arguments):
    subprocess.run([ROOT / "deploy" / "cluster" / "ctl", *arguments], check=True, cwd=ROOT)


def postgres_cluster(port):
    """(version, name) of the PostgreSQL cluster listening on `port`."""
    for line in subprocess.run(
        ["pg_lsclusters", "-h"], check=True, capture_output=True, text=True
    ).stdout.splitlines():
        version, name, cluster_port, *_rest = line.split()
        if cluster_port == port:
            return version, name
    raise LookupError(port)


def test_stopping_the_replica_sends_reads_to_the_primary_without_errors():
    version, name = postgres_cluster(os.environ.get("CLUSTER_REPLICA_PORT", "5433"))
    with Load() as load:
        time.sleep(1)
        subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
        time.sleep(HOLD)
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
        healed = time.monotonic()
        time.sleep(2)
    survived("replica_stopped", load, healed)
    assert load.unavailable() == 0


def test_a_table_lock_ends_in_503s_with_retry_after_and_recovers():
    holder = subprocess.Popen(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(PRIMARY_PORT),
            "-U",
            "postgres",
            "-d",
            ENV["DATABASE_URL"].rsplit("/", 1)[1],
            "-c",
            f"BEGIN; LOCK TABLE cms_story IN ACCESS EXCLUSIVE MODE; "
            f"SELECT pg_sleep({HOLD}); COMMIT;",
        ],
        stdout=subprocess.DEVNULL,
    )
    # Straight to the app processes, past Varnish's copies, with the response cache bypassed
    # where it can be (GraphQL): the reads wait on the lock until the statement timeout.
    with Load(bases=APPS) as load:
        holder.wait(timeout=HOLD + 30)
        healed = time.monotonic()
        time.sleep(1)
    survived("table_lock", load, healed)


def test_redis_killed_and_restarted_empty_gives_no_5xx():
    port = ENV["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
    with Load(fresh=False) as load:
        time.sleep(1)
        os.kill(pid("redis.pid"), signal.SIGKILL)
        time.sleep(HOLD)
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                port,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(STATE),
                "--logfile",
                str(STATE / "redis.log"),
                "--pidfile",
                str(STATE / "redis.pid"),
            ],
            check=True,
        )
        healed = time.monotonic()
        time.sleep(2)
    survived("redis_killed", load, healed)


def test_an_app_process_killed_is_hidden_by_the_other_one():
    port = 9101
    with Load() as load:
        time.sleep(1)
        os.kill(pid(f"app-{port}.pid"), signal.SIGKILL)
        time.sleep(HOLD)
        ctl("apps-start")
        healed = time.monotonic()
        time.sleep(1)
    survived("app_master_killed", load, healed)
    assert load.unavailable() == 0


def test_a_vcl_reload_under_load_keeps_the_cache_and_answers_everything():
    with Load(fresh=False) as load:
        time.sleep(1)
        ctl("reload")
        healed = time.monotonic()
        time.sleep(2)
    survived("vcl_reload", load, healed)
    assert load.unavailable() == 0


class Receiver(http.server.ThreadingHTTPServer):
    """A partner's endpoint: the first delivery hangs (the worker is killed meanwhile)."""

    def __init__(self):
        self.received = []
        self.first = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers["webhook-id"], json.loads(body)))
                if len(receiver.received) == 1:
                    receiver.first.set()
                    time.sleep(20)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def manage_shell(code):
    subprocess.run(
        [ROOT / ".venv" / "bin" / "python", "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )


def test_a_worker_killed_during_a_webhook_delivery_loses_nothing(secret):  # noqa: F811
    receiver = Receiver()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    manage_shell(
        "from cms.models import Partner, WebhookEndpoint\n"
        "WebhookEndpoint.objects.filter(url__contains='/hook').update(active=False)\n"
        "p, _ = Partner.objects.get_or_create(name='Fault receiver')\n"
        f"WebhookEndpoint.objects.create(partner=p, url={url!r}, events=['story.published'])\n"
    )
    try:
        with Load(fresh=False) as load:
            _external_id, slug = new_story(secret, title="Delivered despite a kill")
            assert receiver.first.wait(30), "the delivery never started"
            killed = pid("worker-child.pid")
            os.kill(killed, signal.SIGKILL)
            cut = time.monotonic()
            deadline = cut + RECOVERY
            while time.monotonic() < deadline and len(receiver.received) < 2:
                time.sleep(0.2)
            redelivered = round(time.monotonic() - cut, 2) if len(receiver.received) >= 2 else None
            assert pid("worker-child.pid") != killed, "the supervisor did not restart the worker"
        record(
            "worker_killed_mid_delivery",
            load,
            redelivered,
            deliveries=[event_id for event_id, _body in receiver.received],
        )
        assert redelivered is not None, "the delivery was not retried after the worker died"
        (first_id, first), (second_id, second) = receiver.received[:2]
        assert first_id == second_id and second["data"]["slug"] == first["data"]["slug"] == slug
        assert not load.broken()
    finally:
        receiver.shutdown()
        with contextlib.suppress(Exception):
            manage_shell(
                "from cms.models import WebhookEndpoint\n"
                f"WebhookEndpoint.objects.filter(url={url!r}).update(active=False)\n"
            )


def test_readyz_reports_a_stopped_worker_within_its_lease():
    ctl("worker-stop")
    ctl("worker-start")
    ready = lambda: urllib_status(APPS[0] + "/readyz") == 200  # noqa: E731
    # The restarted worker first drains what the earlier faults queued (a minute at most on
    # a CI machine running the two suites beside this one).
    deadline = time.monotonic() + 60
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert ready(), f"not ready with a worker running: {readyz_body(APPS[0])}"
    # The supervisor first, so nothing restarts the worker; a kill leaves its lease behind.
    os.kill(pid("worker.pid"), signal.SIGKILL)
    os.kill(pid("worker-child.pid"), signal.SIGKILL)
    lease = float(ENV.get("CMS_TASK_LEASE_SECONDS", "15"))
    started = time.monotonic()
    try:
        while ready() and time.monotonic() - started < lease + 10:
            time.sleep(0.2)
        noticed = round(time.monotonic() - started, 2)
        record("worker_stopped_readyz", Load(), noticed, lease_seconds=lease)
        # Each app worker keeps its last answer CMS_READYZ_CACHE_SECONDS (1 s): past that,
        # every one of them says so.
        time.sleep(1.5)
        assert not any(ready() for _ in range(4))
        assert noticed <= lease + 5
    finally:
        (STATE / "worker.pid").unlink(missing_ok=True)
        ctl("worker-start")


def readyz_body(app):
    """What /readyz says, to show in a failure."""
    try:
        with urllib.request.urlopen(app + "/readyz", timeout=5) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()
    except OSError as error:
        return repr(error)


def urllib_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.fixture(autouse=True, scope="module")
def report_at_the_end():
    yield
    found = sorted(REPORT.glob("*.json")) if REPORT.exists() else []
    for path in found:
        print(path.stem, path.read_text().replace("\n", ""))
