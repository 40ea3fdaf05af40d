"""The edge serves its stale copy when the origin fails: what `stale-if-error` promises.

An answer showing counts lives CMS_COUNTERS_MAX_AGE seconds at the edge (3 in
.ci/cluster/run) and is served stale-while-revalidate CMS_EDGE_STALE_WHILE_REVALIDATE more
(2); past both, Varnish must refetch it, and while the origin answers 5xx or does not
answer at all, it serves the old copy instead (within stale-if-error, a day), marked
`X-Cache: STALE`, with an Age past its max-age and the origin's own headers. The origin is
made to answer 503 by stopping both databases and emptying Redis (its response cache would
answer without them), and to answer nothing by stopping both app processes.
Run by .ci/cluster/run after test_database_faults.py, on the same cluster.
"""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from test_cluster import ENV, REPLICA_PORT, wait_until
from test_faults import APPS, REPORT, STATE, VARNISH, ctl, pid, postgres_cluster

pytestmark = pytest.mark.skipif(
    not (STATE / "primary").exists(),
    reason="the origin is made to fail by stopping the cluster's own primary "
    "(start it with CLUSTER_OWN_PRIMARY=1)",
)
MAX_AGE = float(os.environ.get("CMS_COUNTERS_MAX_AGE", "10"))
SWR = float(os.environ.get("CMS_EDGE_STALE_WHILE_REVALIDATE", "30"))
COUNTED = "{ stories(first: 3) { edges { node { slug viewCount } } } }"
PATH = "/graphql?" + urllib.parse.urlencode({"query": COUNTED})


def fetch(base=VARNISH, **headers):
    """(status, headers, body) of a GET of the counted list; status 0 for no answer."""
    request = urllib.request.Request(base + PATH, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def expired_copy_at_the_edge():
    """A copy fetched now, then waited past its max-age and stale-while-revalidate."""
    assert wait_until(lambda: fetch()[1].get("X-Cache") in ("MISS", "HIT"), 10) is not None
    status, headers, body = fetch()
    assert status == 200 and headers["X-Cache"] in ("MISS", "HIT"), headers
    time.sleep(MAX_AGE + SWR + 1)
    return headers, body


def assert_stale(answer, headers, body):
    status, stale_headers, stale_body = answer
    assert status == 200, answer
    assert stale_headers["X-Cache"] == "STALE", stale_headers
    assert stale_body == body
    assert int(stale_headers["Age"]) >= MAX_AGE + SWR
    assert stale_headers["Cache-Control"] == headers["Cache-Control"]
    assert stale_headers.get("ETag") == headers.get("ETag")
    assert "Surrogate-Control" not in stale_headers and "Surrogate-Key" not in stale_headers
    assert "Retry-After" not in stale_headers


def test_an_expired_copy_is_served_stale_while_the_origin_answers_503():
    headers, body = expired_copy_at_the_edge()
    replica = postgres_cluster(REPLICA_PORT)
    ctl("primary-stop")
    subprocess.run(["pg_ctlcluster", *replica, "stop", "-m", "fast"], check=True)
    # The origin's response cache would still answer from Redis without a database: emptied
    # (as a Redis restart would), every refetch needs the database, and answers 503.
    redis_port = ENV["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["redis-cli", "-p", redis_port, "flushall"], check=True, capture_output=True)
    try:
        origin = [fetch(base) for base in APPS]
        answers = [fetch() for _ in range(5)]
    finally:
        subprocess.run(["pg_ctlcluster", *replica, "start"], check=True)
        ctl("primary-start")
    record_stale("stale_on_origin_503", answers, origin=[status for status, *_rest in origin])
    assert [(status, h.get("Retry-After")) for status, h, _b in origin] == [(503, "5")] * 2
    for answer in answers:
        assert_stale(answer, headers, body)


def test_an_expired_copy_is_served_stale_while_no_app_process_answers():
    headers, body = expired_copy_at_the_edge()
    masters = [pid(f"app-{port}.pid") for port in (9101, 9102)]
    for master in masters:
        os.kill(master, signal.SIGTERM)
    try:
        assert wait_until(lambda: all(fetch(base)[0] == 0 for base in APPS), 30) is not None
        # Before and after the health probe marks both processes sick (about 4 s).
        answers = []
        started = time.monotonic()
        while time.monotonic() - started < 6:
            answers.append(fetch())
            time.sleep(0.5)
    finally:
        for port in (9101, 9102):
            (STATE / f"app-{port}.pid").unlink(missing_ok=True)
        ctl("apps-start")
    record_stale("stale_with_no_origin", answers)
    for answer in answers:
        assert_stale(answer, headers, body)
    assert fetch()[0] == 200


def record_stale(name, answers, **more):
    """What the readers saw, in $CLUSTER_STATE/faults/<name>.json as the other faults."""
    REPORT.mkdir(parents=True, exist_ok=True)
    summary = {
        "requests": len(answers),
        "statuses": [status for status, _headers, _body in answers],
        "x_cache": [headers.get("X-Cache") for _status, headers, _body in answers],
        "ages": [headers.get("Age") for _status, headers, _body in answers],
        **more,
    }
    (REPORT / f"{name}.json").write_text(json.dumps(summary, indent=1))
    print(name, json.dumps(summary))
