"""The read-path benchmark: `make bench` (see BENCHMARKS.md for what it measures and found).

It seeds a PostgreSQL database of its own with generated stories, starts the production
server (gunicorn, as `make serve` does) with Redis as the cache, and drives load with wrk
from a separate process on loopback, for bounded durations. Every scenario is measured in
the same run, on the same server, as the two yardsticks it is compared with.
"""

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
CONTRACT = BASE.parent / "shared" / "contract"
RESULTS = BASE / "bench" / "results"
PYTHON = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cms_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CORES = os.cpu_count() or 2
CLIENTS = 2 * CORES
WORKERS = int(os.environ.get("BENCH_WORKERS", str(CORES)))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
URL = f"http://127.0.0.1:{PORT}"
SLUG_QUERY = "SELECT slug FROM cms_story ORDER BY published_at DESC LIMIT 1 OFFSET 5"

ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE,
    "REDIS_URL": REDIS,
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_LOG_LEVEL": "WARNING",
    "CMS_BENCH_VIEWS": "1",
    "DJANGO_CONN_MAX_AGE": "600",
    # One load generator on loopback is not the abuse the rate limit is for.
    "CMS_RATE_LIMIT": "1000000000",
}
ENV.pop("DJANGO_DEBUG", None)


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def manage(*args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE, env=ENV, check=True)


def reset_database():
    import psycopg

    parsed = urllib.parse.urlsplit(DATABASE)
    name = parsed.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def generate(count):
    log(f"generating {count} stories")
    manage("generate_stories", str(count), "--batch-size", "2000", "--seed", str(count))
    manage(
        "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')"
    )


def start_server():
    command = [
        PYTHON, "-m", "gunicorn", "api.wsgi", "--bind", f"127.0.0.1:{PORT}",
        "--workers", str(WORKERS), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE, env=ENV)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{URL}/bench/plain", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start")


@contextmanager
def running_server():
    server = start_server()
    try:
        yield server
    finally:
        server.terminate()
        server.wait()


def worker_peak_memory_mb(master):
    """The largest peak resident memory (VmHWM) among the server's worker processes."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return max(peaks) if peaks else 0.0


def contract(name):
    return (CONTRACT / name).read_text(encoding="utf-8")


def lua(lines):
    """A wrk script file holding `lines`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    return handle.name


def post_script(body, headers=None):
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(body))}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()]
    return lua(lines)


def header_script(headers):
    return lua([f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()])


def _milliseconds(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(path, script=None, seconds=DURATION, clients=CLIENTS):
    """Run wrk against `path`; return requests/s, p50 and p99 in ms, and error count."""
    command = ["wrk", "-t", str(min(CORES, clients)), "-c", str(clients), "-d", f"{seconds}s"]
    command += ["--latency", "--timeout", "5s"]
    if script:
        command += ["-s", script]
    output = subprocess.run(
        [*command, URL + path], capture_output=True, text=True, check=True
    ).stdout
    try:
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        distribution = output.split("Latency Distribution", 1)[1]
        p50 = _milliseconds(re.search(r"^\s*50%\s+(\S+)", distribution, re.M).group(1))
        p99 = _milliseconds(re.search(r"^\s*99%\s+(\S+)", distribution, re.M).group(1))
    except (AttributeError, IndexError):
        raise SystemExit(f"could not read wrk's output:\n{output}") from None
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in match.groups())
    return {"rps": rate, "p50": p50, "p99": p99, "errors": errors}


def sql_counts(scenarios):
    """SQL queries per request of each scenario, measured in-process with the test client."""
    code = f"""
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
result = {{}}
for name, (method, path, body, headers) in json.loads({json.dumps(json.dumps(scenarios))}).items():
    if method == "POST":
        client.post(path, json.dumps(body), content_type="application/json", headers=headers)
    else:
        client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as queries:
        if method == "POST":
            client.post(path, json.dumps(body), content_type="application/json", headers=headers)
        else:
            client.get(path, headers=headers)
    result[name] = len(queries)
print(json.dumps(result))
"""
    env = {**ENV, "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1"}
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=BASE, env=env,
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


def persisted_get_path(document, variables):
    digest = hashlib.sha256(document.encode()).hexdigest()
    register = json.dumps(
        {"query": document, "variables": variables,
         "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    ).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{URL}/graphql", register, {"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request).read()
    params = {
        "variables": json.dumps(variables),
        "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}),
    }
    return "/graphql?" + urllib.parse.urlencode(params)


def measure_main(story_slug):
    """Every scenario and both yardsticks, on 10,000 stories."""
    front = contract("front_page.graphql")
    story = contract("story_page.graphql")
    search = contract("search.graphql")
    front_vars = {"language": "en", "first": 20}
    story_vars = {"slug": story_slug, "language": "en"}
    no_cache = {"Cache-Control": "no-cache"}
    front_get = persisted_get_path(front, front_vars)
    story_get = persisted_get_path(story, story_vars)
    urllib.request.urlopen(URL + front_get).read()
    with urllib.request.urlopen(URL + front_get) as response:
        etag = response.headers["ETag"]
    scenarios = {
        "plain view (yardstick)": ("GET", "/bench/plain", None, {}),
        "hand-written front page (yardstick)": ("GET", "/bench/front-page?language=en&first=20", None, {}),
        "hand-written story page (yardstick)": (
            "GET", f"/bench/story-page?slug={story_slug}&language=en", None, {},
        ),
        "front page, uncached POST": ("POST", "/graphql", {"query": front, "variables": front_vars}, no_cache),
        "story page, uncached POST": ("POST", "/graphql", {"query": story, "variables": story_vars}, no_cache),
        "front page, persisted GET, cache warm": ("GET", front_get, None, {}),
        "story page, persisted GET, cache warm": ("GET", story_get, None, {}),
        "front page, 304 revalidation": ("GET", front_get, None, {"If-None-Match": etag}),
        "search, uncached POST": (
            "POST", "/graphql",
            {"query": search, "variables": {"language": "en", "query": "model"}}, no_cache,
        ),
    }  # fmt: skip
    results = {}
    for name, (method, path, body, headers) in scenarios.items():
        log(f"load: {name}")
        if method == "POST":
            script = post_script(body, headers)
        else:
            script = header_script(headers) if headers else None
        results[name] = wrk(path, script)
    return scenarios, results


def latency_of(path, body, seconds=5, clients=1):
    return wrk(path, post_script(body, {"Cache-Control": "no-cache"}), seconds, clients)["p50"]


def write_report(machine, results, sql, memory, growth, search_growth, elapsed):
    plain = results["plain view (yardstick)"]["rps"]
    hand_front = results["hand-written front page (yardstick)"]["rps"]
    hand_story = results["hand-written story page (yardstick)"]["rps"]
    compare = {
        "front page, uncached POST": hand_front,
        "story page, uncached POST": hand_story,
        "search, uncached POST": hand_front,
    }
    rows = []
    for name, result in results.items():
        vs_plain = result["rps"] / plain
        vs_hand = result["rps"] / compare.get(name, hand_front)
        rows.append(
            f"| {name} | {result['rps']:.0f} | {result['p50']:.2f} | {result['p99']:.2f} | "
            f"{result['p99'] / result['p50']:.1f} | {sql.get(name, '–')} | {result['errors']} | "
            f"{vs_plain:.2f}x | {vs_hand:.2f}x |"
        )
    targets = [
        ("cached persisted GET (front page) >= 0.8x plain",
         results["front page, persisted GET, cache warm"]["rps"] / plain, 0.8),
        ("cached persisted GET (story page) >= 0.8x plain",
         results["story page, persisted GET, cache warm"]["rps"] / plain, 0.8),
        ("304 >= 0.9x plain", results["front page, 304 revalidation"]["rps"] / plain, 0.9),
        ("uncached front page >= 0.7x hand-written",
         results["front page, uncached POST"]["rps"] / hand_front, 0.7),
        ("uncached story page >= 0.7x hand-written",
         results["story page, uncached POST"]["rps"] / hand_story, 0.7),
    ]  # fmt: skip
    target_rows = [
        f"| {label} | {value:.2f}x | {'met' if value >= goal else 'missed'} |"
        for label, value, goal in targets
    ]
    tail = max(r["p99"] / r["p50"] for r in results.values())
    errors = sum(r["errors"] for r in results.values())
    target_rows.append(
        f"| p99 <= 3x p50 (worst scenario) | {tail:.1f}x | {'met' if tail <= 3 else 'missed'} |"
    )
    target_rows.append(f"| zero errors | {errors} | {'met' if errors == 0 else 'missed'} |")
    growth_rows = [f"| front page, first={n} | {ms:.2f} |" for n, ms in growth.items()]
    search_rows = [f"| search, {n:,} stories | {ms:.2f} |" for n, ms in search_growth.items()]
    report = f"""# Benchmarks

Produced by `make bench` ({elapsed / 60:.1f} minutes, {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}).
Everything below was measured in one run, on one server, against the same database.

## Machine

{machine}

## How it runs

- PostgreSQL database `cms_bench` (dropped and recreated), Redis database 13 as the cache.
- `manage.py generate_stories` seeds 1,000, then 10,000, then 100,000 bilingual stories.
- The server is the production one (`make serve`: gunicorn, {WORKERS} sync workers, DEBUG off).
- Load: `wrk -t {min(CORES, CLIENTS)} -c {CLIENTS} -d {DURATION}s --latency` ({CLIENTS} clients = 2x cores), on loopback.
- "Uncached" requests send `Cache-Control: no-cache`, which makes the server compute the
  answer (the response cache is skipped); the documents are the contract's, as written.
- Yardsticks: `/bench/plain` returns the front page's JSON bytes from memory; the hand-written
  views run the same SQL through the same loaders and build the same JSON without GraphQL
  (a test checks they answer exactly what GraphQL answers).
- SQL per request is counted in-process with Django's test client; peak memory is the
  largest VmHWM among the server's workers after the run.

## Results ({sum(1 for _ in results)} scenarios, 10,000 stories)

| scenario | req/s | p50 ms | p99 ms | p99/p50 | SQL/request | errors | vs plain | vs hand-written |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Peak memory per worker: {memory:.0f} MB.

![Throughput per scenario](bench/throughput.png)

## Targets

| target | measured | |
| --- | ---: | --- |
{chr(10).join(target_rows)}

## How cost grows with the work (p50 latency, one client, uncached)

| work | p50 ms |
| --- | ---: |
{chr(10).join(growth_rows)}
{chr(10).join(search_rows)}

## Reproduce

```sh
make bench        # needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379
```

`BENCH_SECONDS`, `BENCH_WORKERS`, `BENCH_DATABASE_URL` and `BENCH_REDIS_URL` override the defaults.
"""
    (BASE / "BENCHMARKS.md").write_text(report, encoding="utf-8")
    plot(results)


def plot(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    rates = [results[name]["rps"] for name in names]
    colors = ["#888888" if "yardstick" in name else "#2a6fdb" for name in names]
    figure, axes = plt.subplots(figsize=(10, 5))
    axes.barh(names[::-1], rates[::-1], color=colors[::-1])
    axes.set_xlabel("requests per second (higher is better)")
    axes.set_title("Throughput per scenario (grey: yardsticks)")
    figure.tight_layout()
    figure.savefig(BASE / "bench" / "throughput.png", dpi=100)


def machine_description():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return (
        f"- {CORES} cores ({cpu}), {memory / 1024 / 1024:.0f} GiB memory\n"
        f"- Python {platform.python_version()}, {version('psql', '--version')}, "
        f"{version('redis-server', '--version')}\n"
        f"- {version('wrk', '--version').splitlines()[0]}"
    )


def version(*command):
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench installs it with apt-get)")
    started = time.monotonic()
    reset_database()
    manage("migrate", "--noinput", "-v0")
    search_growth = {}
    search_body = {
        "query": contract("search.graphql"),
        "variables": {"language": "en", "query": "model"},
    }
    generate(1000)
    with running_server():
        search_growth[1000] = latency_of("/graphql", search_body)
    generate(9000)
    with running_server() as server:
        import psycopg

        with psycopg.connect(DATABASE) as connection:
            story_slug = connection.execute(SLUG_QUERY).fetchone()[0]
        scenarios, results = measure_main(story_slug)
        memory = worker_peak_memory_mb(server)
        growth = {}
        for first in (10, 50, 100):
            body = {
                "query": contract("front_page.graphql"),
                "variables": {"language": "en", "first": first},
            }
            growth[first] = latency_of("/graphql", body)
        search_growth[10000] = latency_of("/graphql", search_body)
    sql = sql_counts({name: list(value) for name, value in scenarios.items()})
    generate(90000)
    with running_server():
        search_growth[100000] = latency_of("/graphql", search_body)
    write_report(
        machine_description(), results, sql, memory, growth, search_growth,
        time.monotonic() - started,
    )  # fmt: skip
    log("wrote BENCHMARKS.md and bench/throughput.png")
    print((BASE / "BENCHMARKS.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
