"""Live subscribers under load: `make bench-live` (and the last part of `make bench`).

A thousand readers hold a subscription to one live story (graphql-transport-ws, through
the production ASGI serving: daphne processes sharing one listening socket, Redis carrying
entry changes between processes); entries are then published one at a time, as the admin's
composer publishes them, and each subscriber's delay from the publish call to the entry
reaching it is recorded. The server's resident memory before and after the subscribers
connect, divided by their number, is the memory an idle subscriber holds.

Then the comparison that decides the production topology (docs/operations/topology.md),
with the subscribers still connected: the front-page query's requests per second when the
ASGI workers serve HTTP as well, and when gunicorn's WSGI workers (as `make serve` runs
them) serve it beside them.

The clients are Python `websockets` connections in one asyncio loop (a socket each, about
as cheap as a client can hold one); they share the machine's cores with the server, so the
delays are an upper bound of what the server alone adds.
"""

import asyncio
import hashlib
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import websockets

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
sys.path.insert(0, str(BASE / "bench"))

import fixtures  # noqa: E402

PYTHON = sys.executable
CORES = os.cpu_count() or 2
SUBSCRIBERS = int(os.environ.get("BENCH_LIVE_SUBSCRIBERS", "1000"))
WORKERS = int(os.environ.get("BENCH_LIVE_WORKERS", str(CORES)))
ENTRIES = int(os.environ.get("BENCH_LIVE_ENTRIES", "10"))
STORIES = int(os.environ.get("BENCH_LIVE_STORIES", "1000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
DATABASE = os.environ.get(
    "BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cms_bench_live"
)
REDIS = os.environ.get("BENCH_LIVE_REDIS_URL", "redis://127.0.0.1:6379/13")
ASGI_PORT = int(os.environ.get("BENCH_LIVE_PORT", "8775"))
WSGI_PORT = int(os.environ.get("BENCH_LIVE_WSGI_PORT", str(ASGI_PORT + 1)))
# The target of issue 27: a new entry reaches 1,000 subscribers with p99 within a second.
P99_TARGET = 1.0
RESULTS = BASE / "bench" / "live-results"
# The reader site's queries, beside the project as bench/run.py reads them.
CONTRACT = Path(os.environ.get("BENCH_CONTRACT_DIR", BASE.parent / "shared" / "contract"))
# Subscribers connected before the baseline memory is read, so that the first
# subscription's one-off costs (imports, the schema's first execution) are not counted.
WARM = 20
SUBSCRIPTION = """subscription Entries($slug: String!, $after: ID) {
  liveEntries(slug: $slug, language: "en", after: $after) {
    change entryId entry { id publishedAt keyEvent text { html } disclosure { grade label } }
  }
}"""

ENV = {
    **os.environ,
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_LOG_LEVEL": "WARNING",
    "DJANGO_CONN_MAX_AGE": "600",
    "REDIS_URL": REDIS,
    # Pub/Sub ignores Redis's database numbers: the benchmark's events stay its own.
    "CMS_CHANNEL_PREFIX": f"bench-live-{os.getpid()}",
    "CMS_RATE_LIMIT": "1000000000",
    # A thousand subscriptions from one address and no key: the per-address bound (0: none)
    # would refuse all but the first few.
    "CMS_SUBSCRIPTIONS_PER_ADDRESS": "0",
}
ENV.pop("DJANGO_DEBUG", None)


def log(message):
    print(f"[bench-live {time.strftime('%H:%M:%S')}] {message}", flush=True)


def more_files():
    """Each subscriber is a socket at both ends: raise the soft limit of open files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * SUBSCRIBERS + 500
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            raise SystemExit(f"{SUBSCRIBERS} subscribers need {wanted} open files, not {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def setup_django(database):
    os.environ.update({k: v for k, v in ENV.items() if k.startswith(("DJANGO", "CMS", "REDIS"))})
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    import django

    django.setup()


def live_story():
    """(slug, publisher) of a published story with its coverage running."""
    from django.contrib.auth import get_user_model

    from cms.models import LiveStatus, Story
    from cms.serving.audience import Audience
    from cms.stories import live

    user, _created = get_user_model().objects.get_or_create(
        username="bench-live", defaults={"is_staff": True, "is_superuser": True}
    )
    story = (
        Story.objects.readable(Audience.of("en"))
        .filter(translations__language_code="en")
        .order_by("-published_at")
        .first()
    )
    if story.live_status != LiveStatus.LIVE:
        live.start(story.pk, user)
    # The first subscribers pass it as the last entry they saw (see `subscribers_scenario`).
    last = publish(story.pk, user, "Coverage opens.")
    return story.slug, story.pk, user, str(last)


def publish(story_id, user, text):
    from cms.stories import live

    return live.publish(story_id, user, language="en", text=text).pk


def rss_kb(pids):
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return total


def wait_for(url, process_list, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in process_list):
            raise SystemExit(f"a server process exited while starting ({url})")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url}")


def start_asgi(env):
    """WORKERS daphne processes accepting on one listening socket (the kernel spreads the
    connections), as a process manager would run ASGI workers."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", ASGI_PORT))
    listener.listen(4096)
    listener.set_inheritable(True)
    command = [
        PYTHON, "-m", "daphne", "--fd", str(listener.fileno()),
        "--verbosity", "0", "api.asgi:application",
    ]  # fmt: skip
    processes = [
        subprocess.Popen(command, cwd=BASE, env=env, pass_fds=[listener.fileno()])
        for _ in range(WORKERS)
    ]
    listener.close()
    wait_for(f"http://127.0.0.1:{ASGI_PORT}/healthz", processes)
    return processes


def start_wsgi(env):
    command = [
        PYTHON, "-m", "gunicorn", "api.wsgi", "--config", "gunicorn.conf.py",
        "--bind", f"127.0.0.1:{WSGI_PORT}", "--workers", str(WORKERS), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE, env=env)
    wait_for(f"http://127.0.0.1:{WSGI_PORT}/healthz", [process])
    return process


def stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Subscriber:
    """One reader's WebSocket: the moment each entry id reached it."""

    def __init__(self, number, slug, after=None):
        self.number = number
        self.slug = slug
        self.after = after
        self.received = {}
        self.ready = asyncio.Event()
        self.socket = None
        self.retries = 0

    async def run(self):
        """Connect (again, as a reader's page would, when the handshake fails under load:
        counted in `retries`), subscribe, and note when each entry arrives."""
        for attempt in range(5):
            try:
                return await self.session()
            except (TimeoutError, OSError, websockets.InvalidHandshake):
                if self.ready.is_set() or attempt == 4:
                    raise
                self.retries += 1
                await asyncio.sleep(0.5 * (attempt + 1))

    async def session(self):
        url = f"ws://127.0.0.1:{ASGI_PORT}/graphql"
        async with websockets.connect(
            url, subprotocols=["graphql-transport-ws"], max_queue=None, ping_interval=None
        ) as ws:
            self.socket = ws
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            ack = json.loads(await ws.recv())
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"subscriber {self.number}: {ack}")
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": SUBSCRIPTION,
                            "variables": {"slug": self.slug, "after": self.after},
                        },
                    }
                )
            )
            self.ready.set()
            async for raw in ws:
                moment = time.perf_counter()
                message = json.loads(raw)
                if message.get("type") == "next":
                    event = message["payload"]["data"]["liveEntries"]
                    self.received[int(event["entryId"])] = moment
                elif message.get("type") == "ping":
                    # As every graphql-transport-ws client does: the server closes a
                    # connection that leaves its ping unanswered (CMS_SUBSCRIPTION_PING_SECONDS).
                    await ws.send(json.dumps({"type": "pong"}))
                elif message.get("type") in {"error", "complete"}:
                    raise RuntimeError(f"subscriber {self.number}: {message}")


async def connect(subscribers, tasks):
    """Start `subscribers`, a few dozen handshakes at a time, as readers arriving."""
    for start in range(0, len(subscribers), 50):
        batch = subscribers[start : start + 50]
        tasks.extend(asyncio.create_task(s.run()) for s in batch)
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in batch)), 60)
        for task in tasks:
            if task.done() and task.exception():
                raise task.exception()


async def deliver(subscribers, story_id, user, text, timeout=60):
    """Publish one entry; each subscriber's delay in seconds (None: not received)."""
    started = time.perf_counter()
    entry = await asyncio.to_thread(publish, story_id, user, text)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(entry in s.received for s in subscribers):
            break
        await asyncio.sleep(0.02)
    return [(s.received[entry] - started) if entry in s.received else None for s in subscribers]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def subscribers_scenario(slug, story_id, user, last, pids):
    """Each subscriber passes the last entry it saw (`after`), so the next one reaches it even
    when it is published before its subscription listens (it is then sent as missed):
    having received it, every subscriber is listening."""
    tasks = []
    warm = [Subscriber(n, slug, last) for n in range(WARM)]
    await connect(warm, tasks)
    # Every subscription is listening once it has received an entry.
    found = await deliver(warm, story_id, user, "Warm-up entry.")
    if None in found:
        raise SystemExit(f"{found.count(None)} warm-up subscribers received nothing")
    await asyncio.sleep(2)
    before = rss_kb(pids)
    seen = str(max(warm[0].received))
    readers = [Subscriber(WARM + n, slug, seen) for n in range(SUBSCRIBERS)]
    connect_started = time.perf_counter()
    await connect(readers, tasks)
    everyone = warm + readers
    missing = [d for d in await deliver(everyone, story_id, user, "All listening.") if d is None]
    connect_seconds = time.perf_counter() - connect_started
    retries = sum(s.retries for s in everyone)
    if missing:
        raise SystemExit(f"{len(missing)} subscribers received nothing after connecting")
    await asyncio.sleep(3)
    after = rss_kb(pids)
    log(f"{SUBSCRIBERS} subscribers in {connect_seconds:.1f} s; RSS {before} -> {after} kB")
    delays, lost, rounds = [], 0, []
    load_before = os.getloadavg()[0]
    for number in range(ENTRIES):
        found = await deliver(readers, story_id, user, f"Entry {number + 1}: **news** as it lands.")
        got = [d for d in found if d is not None]
        lost += len(found) - len(got)
        delays.extend(got)
        rounds.append({"p50": percentile(got, 0.5), "max": max(got), "load": os.getloadavg()[0]})
        middle, worst = percentile(got, 0.5) * 1000, max(got) * 1000
        log(f"entry {number + 1}: p50 {middle:.0f} ms, max {worst:.0f} ms")
        await asyncio.sleep(1)
    return {
        "subscribers": SUBSCRIBERS,
        "workers": WORKERS,
        "entries": ENTRIES,
        "load_before": load_before,
        "connect_seconds": connect_seconds,
        "connect_retries": retries,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "kb_per_subscriber": (after - before) / SUBSCRIBERS,
        "lost": lost,
        "latency_ms": {
            name: percentile(delays, share) * 1000
            for name, share in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        }
        | {"mean": statistics.fmean(delays) * 1000},
        "rounds": rounds,
    }, tasks


def wrk(url, script):
    command = ["wrk", "-t", str(min(CORES, CLIENTS)), "-c", str(CLIENTS), "-d", "3s", "-s", script]
    subprocess.run([*command, url], capture_output=True, check=True)
    command = [*command[:5], "-d", f"{SECONDS}s", "--latency", "--timeout", "5s", *command[7:]]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    distribution = output.split("Latency Distribution", 1)[1]
    p99 = re.search(r"^\s*99%\s+(\S+)", distribution, re.M).group(1)
    return {"rps": rate, "p99": p99, "errors": int(errors.group(1)) if errors else 0}


def front_page_scripts():
    """wrk scripts: the contract's front page, uncached (POST, no-cache) and as a persisted
    GET the response cache answers."""
    import tempfile

    document = (CONTRACT / "front_page.graphql").read_text()
    variables = {"language": "en", "first": 20}
    scripts = {}
    body = json.dumps({"query": document, "variables": variables})
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(body)}",
        'wrk.headers["Content-Type"] = "application/json"',
        'wrk.headers["Cache-Control"] = "no-cache"',
    ]
    scripts["front page, uncached POST"] = ("/graphql", lines)
    digest = hashlib.sha256(document.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    path = "/graphql?" + urllib.parse.urlencode(
        {"variables": json.dumps(variables), "extensions": json.dumps(extensions)}
    )
    register = json.dumps({"query": document, "variables": variables, "extensions": extensions})
    scripts["front page, persisted GET, cache warm"] = (path, [], register)
    files = {}
    for name, (target, script_lines, *rest) in scripts.items():
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write("\n".join(script_lines) + "\n")
        files[name] = (target, handle.name, rest[0] if rest else None)
    return files


def http_scenarios(port):
    results = {}
    for name, (path, script, register) in front_page_scripts().items():
        url = f"http://127.0.0.1:{port}"
        if register:
            request = urllib.request.Request(
                f"{url}/graphql", register.encode(), {"Content-Type": "application/json"}
            )
            urllib.request.urlopen(request).read()
        log(f"load on :{port}: {name}")
        results[name] = wrk(url + path, script)
    return results


async def measure(database):
    slug, story_id, user, last = await asyncio.to_thread(live_story)
    env = {**ENV, "DATABASE_URL": database}
    # Under ASGI each request runs its view in a thread of its own, so persistent
    # connections pile up to PostgreSQL's limit (Django's docs say to disable them there).
    asgi = start_asgi({**env, "DJANGO_CONN_MAX_AGE": "0"})
    tasks = []
    try:
        run, tasks = await subscribers_scenario(slug, story_id, user, last, [p.pid for p in asgi])
        # The topology: the same front page from the ASGI workers (holding the subscribers)
        # and from WSGI workers beside them, one after the other.
        run["asgi_http"] = await asyncio.to_thread(http_scenarios, ASGI_PORT)
        wsgi = start_wsgi(env)
        try:
            run["wsgi_http"] = await asyncio.to_thread(http_scenarios, WSGI_PORT)
        finally:
            stop([wsgi])
        dead = [t for t in tasks if t.done()]
        run["dropped_during_http"] = len(dead)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stop(asgi)
    return run


def report(run):
    latency = run["latency_ms"]
    verdict = "met" if latency["p99"] <= P99_TARGET * 1000 and not run["lost"] else "NOT met"
    lines = [
        "# Live subscribers",
        "",
        f"`make bench-live` on {CORES} cores shared with other work (the numbers move with it),"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"{run['subscribers']:,} subscribers (Python `websockets`, one asyncio loop) on"
        f" {run['workers']} daphne processes sharing one socket, Redis Pub/Sub between them;"
        f" {run['entries']} entries published one at a time, a second apart.",
        "",
        f"Target p99 ≤ {P99_TARGET * 1000:.0f} ms: **{verdict}**.",
        "",
        "| delay from publish to subscriber | ms |",
        "|---|---:|",
        *(f"| {name} | {value:.0f} |" for name, value in latency.items()),
        "",
        "Each entry (the machine's one-minute load average as it arrived: two cores, so above"
        " 2 means work waiting for a core):",
        "",
        "| entry | p50 ms | max ms | load |",
        "|---:|---:|---:|---:|",
        *(
            f"| {n} | {r['p50'] * 1000:.0f} | {r['max'] * 1000:.0f} | {r['load']:.1f} |"
            for n, r in enumerate(run["rounds"], start=1)
        ),
        "",
        f"Entries not received: {run['lost']}. Connecting {run['subscribers']:,} subscribers took"
        f" {run['connect_seconds']:.1f} s ({run['connect_retries']} handshakes tried again).",
        "",
        "Memory: the ASGI processes' resident memory went from"
        f" {run['rss_before_kb'] / 1024:.1f} MB to {run['rss_after_kb'] / 1024:.1f} MB:"
        f" **{run['kb_per_subscriber']:.0f} kB per idle subscriber**.",
        "",
        "## Topology: who serves HTTP",
        "",
        f"The contract's front page (wrk, {CLIENTS} connections, {SECONDS} s), with the"
        f" {run['subscribers']:,} subscribers still connected to the ASGI processes:",
        "",
        "| scenario | ASGI workers (daphne) req/s | WSGI workers (gunicorn) req/s | WSGI/ASGI |",
        "|---|---:|---:|---:|",
    ]
    for name, asgi in run["asgi_http"].items():
        wsgi = run["wsgi_http"][name]
        lines.append(
            f"| {name} | {asgi['rps']:.0f} (p99 {asgi['p99']}, {asgi['errors']} errors)"
            f" | {wsgi['rps']:.0f} (p99 {wsgi['p99']}, {wsgi['errors']} errors)"
            f" | {wsgi['rps'] / asgi['rps']:.1f}× |"
        )
    lines += ["", f"Subscribers dropped while HTTP was measured: {run['dropped_during_http']}.", ""]
    return "\n".join(lines)


def main():
    more_files()
    database, _minutes = fixtures.prepare(DATABASE, STORIES, {**ENV, "DATABASE_URL": DATABASE}, log)
    setup_django(database)
    run = asyncio.run(measure(database))
    text = report(run)
    RESULTS.with_suffix(".json").write_text(json.dumps(run, indent=2) + "\n")
    RESULTS.with_suffix(".md").write_text(text)
    print(text)
    return run


if __name__ == "__main__":
    main()
