"""The task-queue benchmark: `make bench-tasks` (docs/operations/tasks.md has the results).

The same workload runs on each candidate, one after the other, each with one worker
process: webhook-like deliveries to a local receiver that records each delivery's id and
holds it ~200 ms (bench/task_harness.py). Per candidate:

1. throughput: BENCH_TASKS_BURST deliveries enqueued at once; tasks per second from the
   first arrival to the last finish; the worker's peak memory meanwhile;
2. latency: BENCH_TASKS_PACED deliveries, one every 0.5 s (the worker idle when each
   comes): enqueue-to-start p50 and p99;
3. lost connection: deliveries every 0.3 s, and after the first few the worker's own
   connections to its database or broker are terminated (pg_terminate_backend, CLIENT
   KILL): does the same worker go on, and is anything lost;
4. kill: BENCH_TASKS_KILL deliveries enqueued at once; when the middle one arrives at the
   receiver every process of the worker gets SIGKILL (a lost machine or container), and a
   new worker starts at once: deliveries lost, run twice, and the time from the kill to
   the interrupted delivery's second arrival (waiting at most
   BENCH_TASKS_REDELIVERY_TIMEOUT seconds, 90 by default). Before it, the same with only
   the process running the task killed (kill-runner: Celery's pool child, RQ's work horse;
   the main process lives on), for the candidates that run tasks in a child.

Candidates (BENCH_TASK_CANDIDATES, comma-separated): db-postgres and db-sqlite (the
project's queue: django_tasks_db with our leased worker), rq (django-tasks-rq), celery
(django-tasks-fennel: acks_late, reject_on_worker_lost, a visibility timeout) and
procrastinate (its own API and worker: it has no backend for Django's tasks API).

`python -m bench.task_queues` runs them all and writes bench/tasks-results.{json,md};
`python -m bench.task_queues --candidate NAME` runs one and prints its JSON.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.task_harness import (
    ROOT,
    MemorySampler,
    Receiver,
    RedisServer,
    Worker,
    account,
    percentile,
)

PYTHON = sys.executable
BIN = Path(PYTHON).parent
VAR = Path(os.environ.get("BENCH_TASKS_VAR", ROOT / "var" / "bench-tasks"))
POSTGRES = os.environ.get("BENCH_TASKS_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_PREFIX = os.environ.get("BENCH_TASKS_DB_PREFIX", "h_tasks_bench")
CANDIDATES = ["db-postgres", "db-sqlite", "rq", "celery", "procrastinate"]
HARNESS = "bench-tasks-harness"
RESULTS = ROOT / "bench" / "tasks-results.json"


def number(name, default, kind=int):
    return kind(os.environ.get(name) or default)


def postgres_admin(sql, database="postgres"):
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{database}", autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else None


def fresh_postgres_database(name):
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    postgres_admin(f'CREATE DATABASE "{name}"')


class Candidate:
    """One backend: its environment, how to prepare it, enqueue, start a worker, and cut
    the worker's connections."""

    name = ""
    via = "Django's tasks API"

    def __init__(self):
        self.env = {
            "DJANGO_SETTINGS_MODULE": "bench.task_settings",
            "DJANGO_SECRET_KEY": "bench-tasks-only-secret-key-not-for-production",
            "DJANGO_VAR_DIR": str(VAR / "sqlite"),
        }

    def worker_env(self):
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        for name in ("PGAPPNAME", "DJANGO_DEBUG", "REDIS_URL", "DATABASE_URL"):
            env.pop(name, None)
        env.update(self.env)
        return env

    def setup(self):
        """Configure this process as the workers are (the enqueuing side)."""
        os.environ.update(self.env)
        os.environ["PGAPPNAME"] = HARNESS
        for name in ("DJANGO_DEBUG", "REDIS_URL", "DATABASE_URL"):
            if name not in self.env:
                os.environ.pop(name, None)
        import django

        django.setup()

    def prepare(self):
        pass

    def enqueue(self, url, delivery_id):
        from bench.task_workload import deliver

        deliver.enqueue(url, delivery_id, time.time())

    def worker(self, label):
        return Worker(self.worker_argv(), self.worker_env(), VAR / f"{self.name}-{label}.log")

    def worker_argv(self):
        raise NotImplementedError

    def cut(self, worker):
        """Terminate the worker's connections; how many (None: nothing to cut)."""
        return None

    # Restart the broker (kill -9, start again): only where the broker is the candidate's
    # own (Redis); PostgreSQL here is the machine's, shared.
    restart = None
    no_restart = "n/a (the machine's PostgreSQL, shared: see connections terminated)"

    def close(self):
        pass


class DatabaseQueue(Candidate):
    """The project's queue: django_tasks_db and `manage.py db_worker` (our lease)."""

    def prepare(self):
        from django.core.management import call_command
        from django_tasks_db.models import DBTaskResult

        from cms.models import TaskWorker

        call_command("migrate", verbosity=0)
        DBTaskResult.objects.all().delete()
        TaskWorker.objects.all().delete()

    def worker_argv(self):
        # As deploy/systemd/ainews-worker.service runs it.
        return [PYTHON, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"]


class PostgresQueue(DatabaseQueue):
    name = "db-postgres"

    def __init__(self):
        super().__init__()
        self.database = f"{DB_PREFIX}_db"
        self.env["DATABASE_URL"] = f"{POSTGRES}/{self.database}"

    def prepare(self):
        if not postgres_admin(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"):
            postgres_admin(f'CREATE DATABASE "{self.database}"')
        super().prepare()

    def cut(self, worker):
        return terminate_backends(self.database, worker.tcp_ports())


class SqliteQueue(DatabaseQueue):
    name = "db-sqlite"
    no_restart = "n/a (no server)"


def terminate_backends(database, ports):
    if not ports:
        return 0
    rows = postgres_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND client_port IN ({','.join(map(str, ports))})"
    )
    return len(rows)


class RedisCandidate(Candidate):
    """A queue on a Redis of its own (bench/task_harness.py: RedisServer)."""

    def __init__(self):
        super().__init__()
        self.server = RedisServer(
            VAR / f"redis-{self.name}", appendonly=bool(os.environ.get("BENCH_TASKS_REDIS_AOF"))
        )
        self.env["BENCH_TASK_REDIS_URL"] = self.server.url

    def setup(self):
        self.server.start()
        super().setup()

    def close(self):
        self.server.stop()

    def restart(self):
        self.server.crash_and_restart()

    def cut(self, worker):
        import redis

        client = redis.Redis.from_url(self.server.url)
        ports = worker.tcp_ports()
        cut = 0
        for entry in client.client_list():
            if int(entry["addr"].rsplit(":", 1)[1]) in ports:
                client.client_kill_filter(_id=entry["id"])
                cut += 1
        return cut


class RQ(RedisCandidate):
    name = "rq"

    def __init__(self):
        super().__init__()
        self.env["BENCH_TASK_BACKEND"] = "rq"

    def worker_argv(self):
        return [PYTHON, "manage.py", "rqworker", "default", "--job-class", "django_tasks_rq.Job"]


class Celery(RedisCandidate):
    name = "celery"

    def __init__(self):
        super().__init__()
        self.env["BENCH_TASK_BACKEND"] = "celery"

    def worker_argv(self):
        return [
            str(BIN / "celery"),
            "-A",
            "django_tasks_fennel.app",
            "worker",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
        ]


class Procrastinate(Candidate):
    name = "procrastinate"
    via = "procrastinate's own API (it has no backend for Django's tasks API)"

    def __init__(self):
        super().__init__()
        self.database = f"{DB_PREFIX}_procrastinate"
        self.env = {"BENCH_PROCRASTINATE_URL": f"{POSTGRES}/{self.database}"}
        self.app = None

    def setup(self):
        os.environ.update(self.env)
        os.environ["PGAPPNAME"] = HARNESS

    def prepare(self):
        fresh_postgres_database(self.database)
        from bench.task_procrastinate import app

        self.app = app.open()
        app.schema_manager.apply_schema()

    def enqueue(self, url, delivery_id):
        from bench.task_procrastinate import deliver

        deliver.defer(url=url, delivery_id=delivery_id, enqueued_at=time.time())

    def worker_argv(self):
        return [str(BIN / "procrastinate"), "--app=bench.task_procrastinate.app", "worker"]

    def cut(self, worker):
        return terminate_backends(self.database, worker.tcp_ports())


def make(name):
    classes = {c.name: c for c in (PostgresQueue, SqliteQueue, RQ, Celery, Procrastinate)}
    return classes[name]()


def run(candidate, phases):
    """Run the phases on one candidate; its results as a dict."""
    VAR.mkdir(parents=True, exist_ok=True)
    candidate.setup()
    candidate.prepare()
    results = {"candidate": candidate.name, "via": candidate.via}
    timeout = number("BENCH_TASKS_REDELIVERY_TIMEOUT", 90, float)
    with Receiver(hold=number("BENCH_TASKS_HOLD_MS", 200) / 1000) as receiver:
        worker = candidate.worker("first")
        workers = [worker]
        try:
            if "throughput" in phases:
                results.update(throughput(candidate, receiver, worker))
            if "latency" in phases:
                results.update(latency(candidate, receiver))
            if "connection" in phases:
                results.update(lost_connection(candidate, receiver, worker))
            if "restart" in phases:
                results.update(restart(candidate, receiver, worker))
                if not worker.alive():
                    worker = candidate.worker("restarted")
                    workers.append(worker)
            if "kill-runner" in phases:
                found, second = kill(candidate, receiver, worker, timeout, runner_only=True)
                results.update(found)
                if second:
                    workers.append(second)
                    worker = second
            if "kill" in phases:
                found, second = kill(candidate, receiver, worker, timeout)
                results.update(found)
                workers.append(second)
        finally:
            for started in workers:
                started.stop()
            candidate.close()
    return results


def ids(prefix, count):
    stamp = time.strftime("%H%M%S")
    return [f"{prefix}-{stamp}-{index:03d}" for index in range(count)]


def throughput(candidate, receiver, worker):
    burst = ids("burst", number("BENCH_TASKS_BURST", 40))
    with MemorySampler(worker) as memory:
        for delivery in burst:
            candidate.enqueue(receiver.url, delivery)
        receiver.wait_done(burst, 120)
    starts, dones = receiver.snapshot()
    first = min(at for delivery, at, *_ in starts if delivery in burst)
    finished = [at for delivery, at in dones if delivery in burst]
    counts = account(burst, starts, dones)
    return {
        "tasks_per_second": round(len(finished) / (max(finished) - first), 2),
        "burst_lost": counts["lost"],
        "burst_run_twice": counts["run_twice"],
        "worker_rss_mib": round(memory.peak_rss, 1),
        "worker_pss_mib": round(memory.peak_pss, 1),
    }


def latency(candidate, receiver):
    paced = ids("paced", number("BENCH_TASKS_PACED", 20))
    for delivery in paced:
        candidate.enqueue(receiver.url, delivery)
        time.sleep(0.5)
    receiver.wait_done(paced, 60)
    starts, _ = receiver.snapshot()
    first = {}
    for delivery, at, enqueued_at, _pid in starts:
        first.setdefault(delivery, at - enqueued_at)
    waits = [first[delivery] * 1000 for delivery in paced if delivery in first]
    return {
        "latency_p50_ms": round(percentile(waits, 0.5), 1),
        "latency_p99_ms": round(percentile(waits, 0.99), 1),
    }


def lost_connection(candidate, receiver, worker):
    stream = ids("cut", number("BENCH_TASKS_CUT", 12))
    cut = None
    for index, delivery in enumerate(stream):
        if index == 3:
            receiver.wait_done(stream[:3], 30)
            cut = candidate.cut(worker)
            if cut is None:
                return {"connection": "n/a (no server: SQLite is a file)"}
        candidate.enqueue(receiver.url, delivery)
        time.sleep(0.3)
    receiver.wait_done(stream, 60)
    starts, dones = receiver.snapshot()
    counts = account(stream, starts, dones)
    survived = worker.alive()
    return {
        "connections_cut": cut,
        "worker_survived_cut": survived,
        "cut_lost": counts["lost"],
        "cut_run_twice": counts["run_twice"],
        "connection": f"{'survives' if survived else 'exits'}; {counts['lost']} lost",
    }


def restart(candidate, receiver, worker):
    """Crash the broker (kill -9) and start it again while deliveries wait in it."""
    if candidate.restart is None:
        return {"restart": candidate.no_restart}
    batch = ids("restart", number("BENCH_TASKS_RESTART", 12))
    seen = []
    restarting = []

    def on_start(record):
        if record[0] in batch and not restarting:
            seen.append(record[0])
            if len(seen) == 2:
                restarting.append(threading.Thread(target=candidate.restart))
                restarting[0].start()

    receiver.on_start = on_start
    for delivery in batch:
        candidate.enqueue(receiver.url, delivery)
    deadline = time.monotonic() + 60
    while not restarting and time.monotonic() < deadline:
        time.sleep(0.01)
    receiver.on_start = None
    if restarting:
        restarting[0].join()
    receiver.wait_done(batch, 60)
    starts, dones = receiver.snapshot()
    counts = account(batch, starts, dones)
    survived = worker.alive()
    return {
        "restart_tasks": counts["tasks"],
        "restart_lost": counts["lost"],
        "restart_run_twice": counts["run_twice"],
        "worker_survived_restart": survived,
        "restart": f"{counts['lost']} of {counts['tasks']} lost; "
        + ("the worker goes on" if survived else "the worker exits"),
    }


def kill(candidate, receiver, worker, timeout, runner_only=False):
    """Kill the worker mid-task: every process of it, or only the process running the
    task (`runner_only`: Celery's pool child, RQ's work horse). A worker left with no
    process is replaced at once, as its supervisor would; the results and that worker."""
    batch = ids("runner" if runner_only else "kill", number("BENCH_TASKS_KILL", 12))
    middle = len(batch) // 2
    seen = []
    killed = {}

    def on_start(record):
        if record[0] in batch and not killed:
            seen.append(record[0])
            if len(seen) == middle + 1:
                if not runner_only:
                    worker.kill()
                elif record[3] == worker.pid:
                    killed.update(same=True)
                    return
                else:
                    os.kill(record[3], signal.SIGKILL)
                killed.update(at=time.time(), interrupted=record[0])

    receiver.on_start = on_start
    for delivery in batch:
        candidate.enqueue(receiver.url, delivery)
    deadline = time.monotonic() + 60
    while not killed and time.monotonic() < deadline:
        time.sleep(0.01)
    receiver.on_start = None
    prefix = "runner_" if runner_only else ""
    if killed.get("same"):
        receiver.wait_done(batch, 60)
        return {f"{prefix}kill": "the worker runs its tasks in its own process"}, None
    second = None if worker.alive() else candidate.worker("second")
    receiver.wait_done(batch, timeout)
    starts, dones = receiver.snapshot()
    counts = account(batch, starts, dones, killed.get("at"), killed.get("interrupted"))
    results = {
        f"{prefix}kill_tasks": counts["tasks"],
        f"{prefix}kill_lost": counts["lost"],
        f"{prefix}kill_run_twice": counts["run_twice"],
        f"{prefix}redelivery_seconds": counts["redelivery_seconds"],
        f"{prefix}kill_lost_ids": counts["lost_ids"],
        f"{prefix}kill_run_twice_ids": counts["run_twice_ids"],
        f"{prefix}interrupted": killed.get("interrupted"),
        "redelivery_timeout": timeout,
    }
    return results, second


def outcome(row, prefix=""):
    """'lost / run twice / redelivered after' of one kill phase."""
    if f"{prefix}kill" in row:
        return "same as the kill (one process)"
    if f"{prefix}kill_tasks" not in row:
        return "not measured"
    redelivery = row.get(f"{prefix}redelivery_seconds")
    redelivery = (
        f"in {redelivery} s"
        if redelivery is not None
        else f"never (waited {row['redelivery_timeout']:.0f} s)"
    )
    return (
        f"{row[f'{prefix}kill_lost']} lost, {row[f'{prefix}kill_run_twice']} twice, "
        f"redelivered {redelivery}"
    )


def table(rows):
    """The results as a Markdown table."""
    lines = [
        "| candidate | worker killed (all its processes) | only the task's process killed "
        "| tasks/s (1 process) | enqueue→start p50 / p99 | worker RSS (PSS) "
        "| connections terminated | broker crashed and restarted |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['candidate']} | error: {row['error']} |||||||")
            continue
        lines.append(
            f"| {row['candidate']} | {outcome(row)} | {outcome(row, 'runner_')} "
            f"| {row.get('tasks_per_second')} "
            f"| {row.get('latency_p50_ms')} / {row.get('latency_p99_ms')} ms "
            f"| {row.get('worker_rss_mib')} ({row.get('worker_pss_mib')}) MiB "
            f"| {row.get('connection')} | {row.get('restart', 'not measured')} |"
        )
    return "\n".join(lines)


def stop(child):
    """Stop the whole run: the candidate's process stops its workers (and waits for them)."""
    child.terminate()
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidate", choices=CANDIDATES)
    parser.add_argument(
        "--phases",
        default="throughput,latency,connection,restart,kill-runner,kill",
        help="comma-separated: throughput, latency, connection, restart, kill-runner, kill",
    )
    parser.add_argument(
        "--table", action="store_true", help="only print the table of the last results"
    )
    options = parser.parse_args()
    phases = options.phases.split(",")
    if options.table:
        print(table(json.loads(RESULTS.read_text())))
        return
    if options.candidate:
        # Stopped (SIGTERM from the run of all candidates, say): stop the workers too.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        print(json.dumps(run(make(options.candidate), phases)))
        return
    rows = []
    names = os.environ.get("BENCH_TASK_CANDIDATES", ",".join(CANDIDATES)).split(",")
    for name in names:
        print(f"== {name}", flush=True)
        if isinstance(make(name), RedisCandidate) and not shutil.which("redis-server"):
            missing = "redis-server is missing (apt-get install redis-server)"
            rows.append({"candidate": name, "error": missing})
            print(missing, flush=True)
            continue
        # A process per candidate: each configures Django for its own backend.
        with subprocess.Popen(
            [PYTHON, "-m", "bench.task_queues", "--candidate", name, "--phases", options.phases],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as child:
            signal.signal(signal.SIGTERM, lambda *_, child=child: stop(child))
            stdout, stderr = child.communicate()
        try:
            row = json.loads(stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            row = {"candidate": name, "error": (stderr.strip().splitlines() or ["?"])[-1]}
            print(stderr[-3000:], file=sys.stderr)
        print(json.dumps(row), flush=True)
        rows.append(row)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    markdown = table(rows)
    Path(ROOT / "bench" / "tasks-results.md").write_text(markdown + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
