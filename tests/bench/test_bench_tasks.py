"""The task-queue benchmark's accounting (bench/task_harness.py, bench/task_queues.py).

Its verdicts (lost, run twice, redelivered) are checked against the project's real queue:
the benchmark runs as `make bench-tasks` does, on the embedded default (SQLite and our
leased db_worker), with a real SIGKILL in the middle of a delivery and a tiny workload.
Counts only: timings on a shared machine prove nothing.
"""

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from bench.task_harness import account, percentile

ROOT = Path(__file__).resolve().parents[2]


def test_a_delivery_that_never_finished_is_lost_and_one_finished_twice_ran_twice():
    starts = [("a", 1.0, 0, 1), ("b", 2.0, 0, 1), ("c", 3.0, 0, 1), ("c", 4.0, 0, 1)]
    dones = [("a", 1.2), ("c", 3.2), ("c", 4.2)]

    counts = account(["a", "b", "c"], starts, dones)

    assert (counts["lost"], counts["lost_ids"]) == (1, ["b"])
    assert (counts["run_twice"], counts["run_twice_ids"]) == (1, ["c"])
    assert counts["redelivery_seconds"] is None


def test_the_interrupted_delivery_may_arrive_again_once_and_its_redelivery_is_timed():
    starts = [("a", 1.0, 0, 1), ("b", 2.0, 0, 1), ("b", 7.5, 0, 2), ("c", 8.0, 0, 2)]
    dones = [("a", 1.2), ("b", 7.7), ("c", 8.2)]

    counts = account(["a", "b", "c"], starts, dones, kill_at=2.1, interrupted="b")

    assert (counts["lost"], counts["run_twice"]) == (0, 0)
    assert counts["redelivery_seconds"] == 5.4


def test_a_third_arrival_of_the_interrupted_delivery_is_a_run_twice():
    starts = [("b", 2.0, 0, 1), ("b", 3.0, 0, 2), ("b", 4.0, 0, 2)]

    counts = account(["b"], starts, [("b", 3.2)], kill_at=2.1, interrupted="b")

    assert counts["run_twice_ids"] == ["b"]


def test_an_interrupted_delivery_never_sent_again_is_lost_with_no_redelivery():
    counts = account(["a", "b"], [("a", 1.0, 0, 1), ("b", 2.0, 0, 1)], [("a", 1.2)], 2.1, "b")

    assert (counts["lost"], counts["redelivery_seconds"]) == (1, None)


def test_percentiles_are_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.99) == 99
    assert percentile([], 0.5) is None


@pytest.fixture(scope="module")
def bench_var(tmp_path_factory):
    """One folder (and one migrated SQLite database) for the runs below."""
    return tmp_path_factory.mktemp("bench-tasks")


@pytest.fixture
def sqlite_suite():
    """The runs on SQLite are the same whatever the suite's database: the SQLite suite runs
    them, the PostgreSQL suite runs the one on PostgreSQL below."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("Run in the SQLite suite; this suite runs the PostgreSQL one.")


def run_kill(bench_var, candidate="db-sqlite", phases="kill", **env):
    """The benchmark's phases on one candidate (the kill on our queue on SQLite): its JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.task_queues", "--candidate", candidate, "--phases", phases],
        cwd=ROOT,
        env={
            **os.environ,
            "BENCH_TASKS_VAR": str(bench_var),
            "BENCH_TASKS_KILL": "4",
            "BENCH_TASKS_CUT": "5",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_our_queue_loses_nothing_and_runs_nothing_twice_when_its_worker_is_killed(
    bench_var, sqlite_suite
):
    result = run_kill(bench_var, CMS_TASK_LEASE_SECONDS="2", BENCH_TASKS_REDELIVERY_TIMEOUT="90")

    assert result["interrupted"] is not None
    assert (result["kill_tasks"], result["kill_lost"], result["kill_run_twice"]) == (4, 0, 0)
    # The delivery cut short by the kill arrived again (whenever it did).
    assert result["redelivery_seconds"] is not None


def test_a_kill_counts_the_interrupted_delivery_lost_when_no_worker_takes_it_back(
    bench_var, sqlite_suite
):
    # A lease far longer than the wait (long enough for the new worker to run the rest):
    # the new worker leaves the interrupted task to its dead owner.
    result = run_kill(bench_var, CMS_TASK_LEASE_SECONDS="600", BENCH_TASKS_REDELIVERY_TIMEOUT="20")

    assert result["kill_lost_ids"] == [result["interrupted"]]
    assert (result["kill_lost"], result["kill_run_twice"]) == (1, 0)
    assert result["redelivery_seconds"] is None


@pytest.fixture
def postgres_bench():
    """The benchmark's PostgreSQL settings beside the test database, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("Needs PostgreSQL: set DATABASE_URL.")
    import psycopg

    parts = urllib.parse.urlsplit(url)
    server = f"{parts.scheme}://{parts.netloc}"
    prefix = f"{parts.path.lstrip('/')}_bench_tasks"
    yield {"BENCH_TASKS_POSTGRES": server, "BENCH_TASKS_DB_PREFIX": prefix}
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{prefix}_db" WITH (FORCE)')


@pytest.mark.postgres
def test_on_postgresql_our_worker_goes_on_when_its_connection_is_cut_and_loses_nothing_killed(
    bench_var, postgres_bench
):
    result = run_kill(
        bench_var,
        "db-postgres",
        "connection,kill",
        CMS_TASK_LEASE_SECONDS="2",
        BENCH_TASKS_REDELIVERY_TIMEOUT="90",
        **postgres_bench,
    )

    assert result["connections_cut"] >= 1
    assert result["worker_survived_cut"] is True
    assert (result["cut_lost"], result["cut_run_twice"]) == (0, 0)
    assert (result["kill_tasks"], result["kill_lost"], result["kill_run_twice"]) == (4, 0, 0)
    assert result["redelivery_seconds"] is not None
