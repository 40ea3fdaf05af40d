"""The task-queue benchmark's instruments: the partner's receiver, the accounting of what it
received, the worker processes (started, killed, their memory and connections).

Nothing here knows a candidate: bench/task_queues.py drives them.
"""

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Receiver:
    """A partner's endpoint on a free port: records each delivery's arrival (`/deliver`, held
    `hold` seconds, as a slow partner does) and the task's word that it finished (`/done`)."""

    def __init__(self, hold=0.2):
        self.hold = hold
        self.lock = threading.Lock()
        self.starts = []  # (id, arrival time, enqueued at, worker pid)
        self.dones = []  # (id, time)
        self.on_start = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                now = time.time()
                if self.path == "/deliver":
                    record = (body["id"], now, body["enqueued_at"], body["pid"])
                    with receiver.lock:
                        receiver.starts.append(record)
                    if receiver.on_start:
                        receiver.on_start(record)
                    time.sleep(receiver.hold)
                else:
                    with receiver.lock:
                        receiver.dones.append((body["id"], now))
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass  # the worker was killed while this delivery was held

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.starts), list(self.dones)

    def wait_done(self, ids, timeout):
        """Wait until each id has finished once (True), or the timeout passed (False)."""
        wanted = set(ids)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                finished = {delivery for delivery, _ in self.dones}
            if wanted <= finished:
                return True
            time.sleep(0.05)
        return False


def account(ids, starts, dones, kill_at=None, interrupted=None):
    """What a partner saw of the deliveries `ids`: how many never finished, how many ran
    more than once, and how long after the kill the interrupted one arrived again.

    The interrupted delivery may arrive twice (the run the kill cut short, then its
    redelivery); any other second arrival, or a second finish, is a task run twice.
    """
    wanted = set(ids)
    arrived = Counter(delivery for delivery, *_ in starts if delivery in wanted)
    finished = Counter(delivery for delivery, _ in dones if delivery in wanted)
    lost = sorted(delivery for delivery in ids if not finished[delivery])
    twice = sorted(
        delivery
        for delivery in ids
        if finished[delivery] > 1 or arrived[delivery] - (delivery == interrupted) > 1
    )
    redelivery = None
    if interrupted is not None:
        again = [at for delivery, at, *_ in starts if delivery == interrupted and at > kill_at]
        redelivery = round(min(again) - kill_at, 2) if again else None
    return {
        "tasks": len(ids),
        "lost": len(lost),
        "run_twice": len(twice),
        "redelivery_seconds": redelivery,
        "lost_ids": lost,
        "run_twice_ids": twice,
    }


def percentile(values, fraction):
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


class Worker:
    """A candidate's worker command, in a process group of its own; a kill takes every
    process it started, at once (as a lost machine or container does)."""

    def __init__(self, argv, env, log_path):
        self.log = open(log_path, "ab")  # noqa: SIM115 (open for the process's life)
        self.process = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        """SIGKILL to every process of the worker (RQ's work horse, say, leaves the group)."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        """Ask the worker to stop (SIGTERM), kill what is left after 15 s."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
        self.kill()
        self.log.close()

    def pids(self):
        """Every live process of the worker: its group, and whatever descends from it."""
        parents = {}
        group = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] == "Z":
                continue
            parents[int(entry.name)] = int(fields[1])
            if int(fields[2]) == self.pid:
                group.add(int(entry.name))
        found = group | {self.pid} if self.pid in parents else group
        while True:
            children = {pid for pid, parent in parents.items() if parent in found} - found
            if not children:
                return sorted(found)
            found |= children

    def memory(self):
        """(RSS of the worker's processes, their PSS) in MiB: PSS shares a forked child's
        pages with its parent instead of counting them twice."""
        rss = pss = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            except OSError:
                continue
        return rss / 1024, pss / 1024

    def tcp_ports(self):
        """The local ports of the worker's TCP connections (to its database or broker)."""
        inodes = set()
        for pid in self.pids():
            try:
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
            except OSError:
                continue
        ports = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        return ports


class MemorySampler:
    """The peak memory of a worker while the workload runs, sampled every 0.2 s."""

    def __init__(self, worker):
        self.worker = worker
        self.peak_rss = self.peak_pss = 0.0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.stopping.wait(0.2):
            rss, pss = self.worker.memory()
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A Redis of the benchmark's own on a free port, as deploy/cluster/ctl runs
    production's: a cache, without persistence (`appendonly=True` writes an append-only
    file, fsynced every second, to see what that would change)."""

    def __init__(self, folder, appendonly=False):
        self.folder = Path(folder)
        self.port = free_port()
        self.appendonly = appendonly
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "everysec"]
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
            + (persistence if self.appendonly else ["--appendonly", "no"])
            + ["--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on {self.port}")

    def crash_and_restart(self):
        """kill -9, then start again on the same port (what it kept, it loads)."""
        self.process.kill()
        self.process.wait()
        self.start()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
