"""The read-path benchmark: `make bench` (see BENCHMARKS.md for what it measures and found).

It measures PostgreSQL databases of generated stories (bench/fixtures.py), starts the production
server (gunicorn, as `make serve` does) with Redis as the cache, and drives load with wrk
from a separate process on loopback, for bounded durations. Every scenario is measured in
the same run, on the same server, as the two yardsticks it is compared with.

The archive then grows through `BENCH_SIZES` (default 10,000 and 100,000 stories; add
1000000 to measure a million), one database per size, generated once and reused while the
generator is unchanged: at each size the uncached contract front page, story page
and lean front page are measured again, so the growth table compares sizes within one run.
An installed Directus peer (`make bench-peer`, bench/peer.py) is measured at the first size,
with the same wrk settings, while our server is stopped.
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

import edge_directus
import fixtures
import peer
import peer_table
import subscribers

BASE = Path(__file__).resolve().parent.parent
CONTRACT = BASE.parent / "shared" / "contract"
RESULTS = BASE / "bench" / "results"
PYTHON = sys.executable
# Each size's archive is a database of its own, named after this one (bench/fixtures.py).
BASE_DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cms_bench")
DATABASE = BASE_DATABASE
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "3"))
CORES = os.cpu_count() or 2
# The peer's settings (wrk -t2 -c8): comparable numbers need the same load.
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
THREADS = min(CORES, CLIENTS)
SIZES = sorted({int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",") if n})
# The page the peer serves: its documents ask for zh-hans.
LANGUAGE = "zh-hans"
GROWTH_LIMIT = 1.25
SEARCH_ORDERS = ("PUBLISHED_DESC", "RELEVANCE")
SEARCH_P50, SEARCH_P99 = 50.0, 200.0
PEER_TARGET = 2.0
WORKERS = int(os.environ.get("BENCH_WORKERS", str(CORES)))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
# What the report should say about this run's machine (that others shared it, say).
NOTE = os.environ.get("BENCH_NOTE", "").strip()
# The crawler: distinct story pages walked at each size (and a few more whose SQL is counted).
CRAWL_PAGES = int(os.environ.get("BENCH_CRAWL_PAGES", "3000"))
CRAWL_SQL_PAGES = 20
CRAWL_P99 = 100.0
URL = f"http://127.0.0.1:{PORT}"
SLUG_QUERY = "SELECT slug FROM cms_story ORDER BY published_at DESC LIMIT 1 OFFSET 5"
LEAN = BASE / "bench" / "lean_front_page.graphql"

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


def use_archive(size):
    """Point the server and the SQL counts at the archive of `size` stories, on a clean cache."""
    global DATABASE
    import redis

    DATABASE, seconds = fixtures.prepare(BASE_DATABASE, size, ENV, log)
    ENV["DATABASE_URL"] = DATABASE
    redis.Redis.from_url(REDIS).flushdb()
    return seconds


def start_server(**settings):
    command = [
        PYTHON, "-m", "gunicorn", "api.wsgi", "--bind", f"127.0.0.1:{PORT}",
        "--workers", str(WORKERS), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE, env={**ENV, **settings})
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
def running_server(**settings):
    server = start_server(**settings)
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


def wrk(path, script=None, seconds=DURATION, clients=CLIENTS, warmup=WARMUP):
    """Run wrk against `path` (after a warm-up run that is thrown away, as the peer's
    bench.sh does); return requests/s, p50 and p99 in ms, and error count."""
    threads = str(min(CORES, clients))
    if warmup:
        command = ["wrk", "-t", threads, "-c", str(clients), "-d", f"{warmup}s"]
        command += ["-s", script] if script else []
        subprocess.run([*command, URL + path], capture_output=True, check=True)
    command = ["wrk", "-t", threads, "-c", str(clients), "-d", f"{seconds}s"]
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
    script = post_script(body, {"Cache-Control": "no-cache"})
    return wrk(path, script, seconds, clients, warmup=0)["p50"]


def size_scenarios(story_slug):
    """The pages whose cost must not grow with the archive, uncached, in the peer's language."""
    no_cache = {"Cache-Control": "no-cache"}
    return {
        "contract front page": (
            "POST", "/graphql",
            {"query": contract("front_page.graphql"),
             "variables": {"language": LANGUAGE, "first": 20}}, no_cache,
        ),
        "contract story page": (
            "POST", "/graphql",
            {"query": contract("story_page.graphql"),
             "variables": {"slug": story_slug, "language": LANGUAGE}}, no_cache,
        ),
        "lean front page": (
            "POST", "/graphql",
            {"query": LEAN.read_text(encoding="utf-8"),
             "variables": {"language": LANGUAGE, "first": 20}}, no_cache,
        ),
    }  # fmt: skip


def page_size_scenarios():
    """The front pages at several page sizes, for their SQL counts."""
    no_cache = {"Cache-Control": "no-cache"}
    scenarios = {}
    for name, document in (
        ("contract front page", contract("front_page.graphql")),
        ("lean front page", LEAN.read_text(encoding="utf-8")),
    ):
        for first in (1, 20, 100):
            body = {"query": document, "variables": {"language": LANGUAGE, "first": first}}
            scenarios[f"{name}, first={first}"] = ("POST", "/graphql", body, no_cache)
    return scenarios


def measure_cached_pages():
    """The front pages the peer also serves (zh-hans), answered from the response cache:
    POSTed as Apollo Client sends them, and as a persisted query's GET."""
    results = {}
    for name, (_method, path, body, _headers) in size_scenarios(None).items():
        if name == "contract story page":
            continue
        log(f"load: {name}, cached POST")
        results[name, "cached POST"] = wrk(path, post_script(body))
        get_path = persisted_get_path(body["query"], body["variables"])
        urllib.request.urlopen(URL + get_path).read()
        log(f"load: {name}, cached GET")
        results[name, "cached GET"] = wrk(get_path)
    return results


def our_modes(run):
    """Each front page the peer serves in each of our modes (bench/peer_table.py)."""
    found = {}
    for name, _endpoint, _document in peer_table.PAGES:
        found[name] = {
            "cold": run["without_story_cache"][name],
            "entity-cached": run["sizes"][SIZES[0]]["results"][name],
            "cached GET": run["cached"][name, "cached GET"],
            "cached POST": run["cached"][name, "cached POST"],
        }
    return found


def measure_size(server, story_slug, search_body):
    """The size-dependent scenarios at the archive's current size, with the workers' memory.

    The plain yardstick is measured beside them: it does not depend on the archive, so its
    change between sizes is the change of the machine's load (others' work on shared cores).
    """
    results = {}
    for name, (_method, path, body, headers) in size_scenarios(story_slug).items():
        log(f"load: {name}")
        results[name] = wrk(path, post_script(body, headers))
    log("load: plain view (yardstick), for the machine's load at this size")
    return {
        "results": results,
        "plain": wrk("/bench/plain"),
        "memory": worker_peak_memory_mb(server),
        "search p50": latency_of("/graphql", search_body),
    }


def measure_search(size):
    """bench/search.py's searches on this size's archive: p50 and p99 per search and order.

    In-process (Django's test client, one client), as a reader's search costs the server,
    while no server runs beside it.
    """
    log(f"search: {len(SEARCH_ORDERS)} orders of each search at {size:,} stories")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = {
            **ENV,
            "BENCH_SEARCH_DATABASE_URL": DATABASE,
            "BENCH_SEARCH_STORIES": str(size),
            "BENCH_SEARCH_ROUNDS": os.environ.get("BENCH_SEARCH_ROUNDS", "60"),
        }
        subprocess.run(
            [PYTHON, "bench/search.py", "--json", out.name, "--remove-planted"],
            cwd=BASE, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        return json.loads(Path(out.name).read_text())


def crawl_pages(count, seed):
    """`count` distinct story pages drawn across the whole archive, each in a language
    drawn from both, for the crawler: (slug, language) pairs."""
    import random

    import psycopg

    with psycopg.connect(DATABASE) as connection:
        slugs = [
            row[0]
            for row in connection.execute(
                "SELECT slug FROM cms_story WHERE status = 'published' "
                "ORDER BY md5(slug || %s) LIMIT %s",
                [str(seed), count],
            )
        ]
    draw = random.Random(seed)
    return [(slug, draw.choice(("en", "zh-hans"))) for slug in slugs]


def crawl_body(slug, language):
    return {
        "query": contract("story_page.graphql"),
        "variables": {"slug": slug, "language": language},
    }


def found_story(answer):
    """Whether an answer's bytes hold a story and no error."""
    try:
        answer = json.loads(answer)
    except ValueError:
        return False
    return "errors" not in answer and bool((answer.get("data") or {}).get("story"))


def crawl(pages, clients=CLIENTS):
    """A crawler walking the long tail: each page asked once, by `clients` connections
    at once (no `Cache-Control`: neither the response cache nor the served-story cache
    holds a page nobody asked before). Requests/s, p50 and p99 in ms, errors."""
    import http.client
    import threading

    host, port = URL.removeprefix("http://").split(":")
    latencies, errors, lock = [], [], threading.Lock()
    queue = iter([json.dumps(crawl_body(slug, language)) for slug, language in pages])

    def walk():
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        while True:
            with lock:
                body = next(queue, None)
            if body is None:
                break
            started = time.perf_counter()
            connection.request("POST", "/graphql", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 200 or not found_story(answer):
                    errors.append(response.status)
        connection.close()

    started = time.perf_counter()
    walkers = [threading.Thread(target=walk) for _ in range(clients)]
    for walker in walkers:
        walker.start()
    for walker in walkers:
        walker.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "pages": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, round(len(latencies) * 0.99))],
        "errors": len(errors),
    }


def crawl_sql_counts(pages):
    """SQL queries of each page's first request (nothing cached of it), in-process."""
    code = f"""
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
counts = []
for body in json.loads({json.dumps(json.dumps([crawl_body(*page) for page in pages]))}):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/graphql", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()["data"]["story"], response.content
    counts.append(len(queries))
print(json.dumps(counts))
"""
    env = {**ENV, "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1"}
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=BASE, env=env,
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


def measure_crawl(size):
    """The crawler at this size: CRAWL_PAGES pages over HTTP with the server running, then
    the SQL of CRAWL_SQL_PAGES other pages (the first is a warm-up, not counted)."""
    pages = crawl_pages(CRAWL_PAGES + CRAWL_SQL_PAGES + 1, seed=size)
    log(f"crawl: {CRAWL_PAGES:,} story pages of {size:,}, each asked once")
    with running_server():
        found = crawl(pages[:CRAWL_PAGES])
    found["sql"] = crawl_sql_counts(pages[CRAWL_PAGES:])[1:]
    return found


def story_slug_now():
    import psycopg

    with psycopg.connect(DATABASE) as connection:
        return connection.execute(SLUG_QUERY).fetchone()[0]


def crawl_section(run):
    """The crawler's table: each size's walk, against p99 <= CRAWL_P99 ms."""
    rows = []
    for size, measured in run["sizes"].items():
        found = measured.get("crawl")
        if found is None:
            continue
        rows.append(crawl_row(size, found))
    return f"""## The long tail: a crawler (PostgreSQL and Redis, {WORKERS} workers)

{CRAWL_PAGES:,} story pages (the contract's `story_page.graphql`, POST, no `Cache-Control`) drawn
across the whole archive, each in English or Chinese at random, each asked once by
{CLIENTS} connections at once: no cache holds any of them. Target: p99 <= {CRAWL_P99:.0f} ms. SQL
per page is counted in-process on the first request of {CRAWL_SQL_PAGES} other pages.

| stories | pages | req/s | p50 ms | p99 ms | SQL per page | errors | |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}"""


def crawl_row(size, found):
    sql = sorted(set(found["sql"]))
    sql_text = str(sql[0]) if len(sql) == 1 else f"{sql[0]}–{sql[-1]} (NOT constant)"
    met = "met" if found["p99"] <= CRAWL_P99 and not found["errors"] else "missed"
    return (
        f"| {size:,} | {found['pages']:,} | {found['rps']:.0f} | {found['p50']:.1f} | "
        f"{found['p99']:.1f} | {sql_text} | {found['errors']} | {met} |"
    )


def crawl_only():
    """`bench/run.py crawl`: the crawler alone, at each size of BENCH_SIZES."""
    print("| stories | pages | req/s | p50 ms | p99 ms | SQL per page | errors | |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for size in SIZES:
        use_archive(size)
        print(crawl_row(size, measure_crawl(size)), flush=True)


def search_report(run):
    """The search table: p50 / p99 per search, order and size, against 50 / 200 ms."""
    sizes = [n for n in run["sizes"] if run["sizes"][n].get("searches")]
    if not sizes:
        return ""
    header = " | ".join(f"{n:,} stories: matches, p50 / p99 ms" for n in sizes)
    rows, missed, total = [], 0, 0
    for index, row in enumerate(run["sizes"][sizes[0]]["searches"]):
        cells = []
        for n in sizes:
            found = run["sizes"][n]["searches"][index]
            met = found["p50"] <= SEARCH_P50 and found["p99"] <= SEARCH_P99
            if n >= 100_000:
                total += 1
                missed += not met
            matches = f"{found['matches']:,}" + ("+" if found["estimate"] else "")
            verdict = "" if n < 100_000 else (" (met)" if met else " (**missed**)")
            cells.append(f"{matches}: {found['p50']:.1f} / {found['p99']:.1f}{verdict}")
        search = f"{row['language']}, {row['kind']}: `{row['text']}`, {row['order']}"
        rows.append(f"| {search} | {' | '.join(cells)} |")
    return f"""## Search (PostgreSQL, in-process, one client)

`bench/search.py` on each size's archive: the whole GraphQL request (first 20, with the total,
snippets and cursors), response cache bypassed, {os.environ.get("BENCH_SEARCH_ROUNDS", "60")} rounds after 3 thrown away.
Target at 100,000 stories and more: p50 <= {SEARCH_P50:.0f} ms and p99 <= {SEARCH_P99:.0f} ms. "1,001+" is a total
beyond the exact-count bound (`totalCountIsEstimate`). {total - missed} of {total} met.

| search | {header} |
| --- | {" | ".join("---:" for _ in sizes)} |
{chr(10).join(rows)}"""


def write_report(run):
    import scale

    results, sql = run["results"], run["sql"]
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
    growth_rows = [f"| front page, first={n} | {ms:.2f} |" for n, ms in run["growth"].items()]
    search_rows = [
        f'| search "model", {n:,} stories | {size["search p50"]:.2f} |'
        for n, size in run["sizes"].items()
    ]
    search_section = search_report(run)
    base = SIZES[0]
    generated = ", then ".join(f"{n:,}" for n in SIZES)
    report = f"""# Benchmarks

Produced by `make bench` ({run["elapsed"] / 60:.1f} minutes, {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}).
Everything below was measured in one run, on one server (each archive size is a database of its own).

## Machine

{run["machine"]}

## How it runs

- One PostgreSQL database per size (`{BASE_DATABASE.rsplit("/", 1)[-1]}_<size>`), Redis as the
  cache (flushed at each size).
- `manage.py generate_stories` made archives of {generated} bilingual stories
  (`BENCH_SIZES`), with Zipf-distributed words in both languages. {generation_text(run)}
- The server is the production one (`make serve`: gunicorn, {WORKERS} sync workers, DEBUG off),
  restarted at each size.
- Load: `wrk -t{THREADS} -c{CLIENTS} -d{DURATION}s --latency` after a {WARMUP} s warm-up that is
  thrown away (the Directus peer's settings), on loopback.
- "Uncached" requests send `Cache-Control: no-cache`, which makes the server compute the
  answer (the response cache is skipped); the documents are the contract's, as written.
- Yardsticks: `/bench/plain` returns the front page's JSON bytes from memory; the hand-written
  views run the same SQL through the same loaders and build the same JSON without GraphQL
  (a test checks they answer exactly what GraphQL answers). They keep nothing between
  requests, while GraphQL's uncached answers reuse the served-story cache.
- SQL per request is counted in-process with Django's test client; peak memory is the
  largest VmHWM (peak resident memory) among the server's workers after each size's load.

{growth_section(run)}

{peer_section(run)}

## SQL per request and memory

{sql_section(run)}

## Results ({len(results)} scenarios, {base:,} stories)

| scenario | req/s | p50 ms | p99 ms | p99/p50 | SQL/request | errors | vs plain | vs hand-written |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Peak memory per worker: {run["memory"]:.0f} MB.

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

{search_section}

{crawl_section(run)}

{scale.sync_section(run["sizes"])}

## Reproduce

```sh
make bench-peer   # once: installs Directus from npm and loads it (minutes); optional
make bench        # needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379
BENCH_SIZES=10000,100000,1000000 make bench   # with a million stories (about an hour more)
BENCH_SIZES=100000 .venv/bin/python bench/run.py crawl   # the crawler alone
BENCH_SIZES=100000 .venv/bin/python bench/run.py scale   # sync, crawler, search: bench/scale-results.md
```

`BENCH_SIZES`, `BENCH_SECONDS`, `BENCH_WARMUP_SECONDS`, `BENCH_CLIENTS`, `BENCH_WORKERS`, `BENCH_CRAWL_PAGES`,
`BENCH_DATABASE_URL`, `BENCH_REDIS_URL` and `BENCH_PORT` override the defaults (`BENCH_NOTE` adds a line
about the machine); `PEER_DIR`,
`PEER_DATABASE` and `PEER_PORT` those of the peer (bench/peer.py).
"""
    (BASE / "BENCHMARKS.md").write_text(report, encoding="utf-8")
    plot(results)
    plot_growth(run)
    plot_peer(run)


def generation_text(run):
    made = [f"{n:,}: {s / 60:.1f} min" for n, s in run["generation"].items() if s is not None]
    kept = [f"{n:,}" for n, s in run["generation"].items() if s is None]
    parts = []
    if made:
        parts.append("Generating took " + ", ".join(made) + ".")
    if kept:
        parts.append(
            "The archives of " + ", ".join(kept) + " stories were made by an earlier run with the"
            " same generator and reused (`BENCH_FRESH=1` regenerates them)."
        )
    return " ".join(parts)


def _load_ratio(run, size):
    """How much slower the machine itself was at `size` than at the first size."""
    return run["sizes"][SIZES[0]]["plain"]["rps"] / run["sizes"][size]["plain"]["rps"]


def _cost_ratio(run, name, size):
    """How much more a request costs at `size` than at the first size (1/throughput)."""
    base = run["sizes"][SIZES[0]]["results"][name]["rps"]
    return base / run["sizes"][size]["results"][name]["rps"]


def growth_section(run):
    names = list(next(iter(run["sizes"].values()))["results"])
    header = " | ".join(f"{n:,} stories" for n in run["sizes"])
    rows = []
    for name in names:
        cells = []
        for size, measured in run["sizes"].items():
            result = measured["results"][name]
            cell = f"{result['rps']:.1f} req/s, p50 {result['p50']:.0f} ms"
            if size != SIZES[0]:
                ratio = _cost_ratio(run, name, size)
                verdict = "met" if ratio <= GROWTH_LIMIT else "missed"
                cell += f", **{ratio:.2f}x** ({verdict}; {ratio / _load_ratio(run, size):.2f}x)"
            cells.append(cell)
        rows.append(f"| {name} | {' | '.join(cells)} |")
    plain = [f"{measured['plain']['rps']:.0f} req/s" for measured in run["sizes"].values()]
    rows.append(f"| plain view (yardstick: the machine's load) | {' | '.join(plain)} |")
    base = run["sizes"][SIZES[0]]["results"]
    without = [
        f"| {name} | {result['rps']:.1f} req/s, p50 {result['p50']:.0f} ms | "
        f"{base[name]['rps']:.1f} req/s | {base[name]['rps'] / result['rps']:.2f}x |"
        for name, result in run.get("without_story_cache", {}).items()
    ]
    return f"""## Growth with the archive (uncached, {LANGUAGE}, wrk -t{THREADS} -c{CLIENTS} -d{DURATION}s)

Target: at every size a request costs at most {GROWTH_LIMIT}x what it costs at
{SIZES[0]:,} stories (cost = 1 / throughput; the bold ratio is that cost ratio, and the
verdict is on it). The ratio after it divides by the plain yardstick's ratio, measured at the
same time: the cost ratio with the change of the machine's own load taken out.

| page | {header} |
| --- | {" | ".join("---:" for _ in run["sizes"])} |
{chr(10).join(rows)}

"Uncached" skips the response cache, not the served-story cache (docs/graphql.md: "Served-story cache"),
which keeps each unchanged story's fields between answers. The same pages at {SIZES[0]:,}
stories with it off (`CMS_SERVED_STORY_CACHE=0`, the cost after every story changed at once):

| page | served-story cache off | on (above) | on / off |
| --- | ---: | ---: | ---: |
{chr(10).join(without)}

![Throughput by archive size](bench/growth.png)"""


def peer_section(run):
    edge = edge_directus.cited()
    edge = f"\n\n{edge}" if edge else ""
    measured = run["peer"]
    if measured is None:
        return f"""## Against Directus

Not measured: {run["peer_note"]}. Run `make bench-peer` (it installs Directus from npm, which
takes minutes), then `make bench` again (with the same `PEER_DIR`).{edge}"""
    notes = []
    failed = {
        f"{mode} {endpoint}": int(numbers.get("non2xx", 0) + numbers.get("errors", 0))
        for mode, endpoints in measured["modes"].items()
        for endpoint, numbers in endpoints.items()
    }
    if any(failed.values()):
        failed = {name: count for name, count in failed.items() if count}
        notes.append(
            "Directus answered some requests with an error or not at all (non-2xx plus socket"
            f" errors: {failed}); its req/s counts them."
        )
    missing = [mode for mode in peer_table.PEER_MODES if mode not in measured["modes"]]
    if missing:
        notes.append(f"Directus's modes {', '.join(missing)} were not measured (–).")
    if measured["stories"] != SIZES[0]:
        notes.append(
            f"The peer holds {measured['stories']:,} stories and ours {SIZES[0]:,}: these "
            "ratios do not compare equal archives (`PEER_STORIES` sets the peer's count)."
        )
    met, counted = peer_table.summary(run)
    ping = measured["endpoints"]["ping"]
    modes = "\n".join(f"- {mode}: {text}" for mode, text in peer_table.OUR_MODES.items())
    notes = "\n\n".join(notes)
    notes = f"\n\n{notes}" if notes else ""
    return f"""## Against Directus, in every mode

Directus {measured["directus"]} from `../shared/peers/directus/` with {measured["stories"]:,}
stories, one Node process, measured {run["peer_note"]} ({measured["measured_at"]}) with
`wrk {measured["wrk"]}`, in each of its cache modes: off (its default), on
(`CACHE_ENABLED=true CACHE_STORE=memory`; every answer a hit) and on+freeze (and
`CACHE_SCHEMA_FREEZE_ENABLED=true`, its fastest). Our side, at {SIZES[0]:,} stories in the
same run, in zh-hans as the peer's documents ask, in each of our modes:

{modes}

Each cell is Directus's req/s and ours divided by it. Target: ours at least
{peer_table.TARGET:g}x the peer doing the same work (bold): an answer we compute against
Directus computing its own (cache off), a cached answer against Directus's fastest cached
mode for that page. {met} of {counted} met.

{peer_table.table(run)}{notes}

Directus's no-database floor (`/server/ping`, cache off): {ping["rps"]:.0f} req/s; ours
(`/bench/plain`): {run["results"]["plain view (yardstick)"]["rps"]:.0f} req/s.{edge}

![Ours and Directus](bench/peer.png)"""


def sql_section(run):
    sizes = run["sizes"]
    rows = []
    for name in next(iter(sizes.values()))["sql"]:
        counts = [sizes[n]["sql"][name] for n in sizes]
        rows.append(f"| {name} | {' | '.join(str(c) for c in counts)} |")
    constant = all(
        len({sizes[n]["sql"][name] for n in sizes}) == 1 for name in sizes[SIZES[0]]["sql"]
    )
    by_first = {}
    for name, count in run["page_sql"].items():
        page, first = name.rsplit(", first=", 1)
        by_first.setdefault(page, {})[int(first)] = count
    page_rows = [
        f"| {page} | {' | '.join(str(counts[f]) for f in sorted(counts))} |"
        for page, counts in by_first.items()
    ]
    firsts = sorted(next(iter(by_first.values())))
    flat = all(len(set(counts.values())) == 1 for counts in by_first.values())
    memory = " | ".join(f"{sizes[n]['memory']:.0f} MB" for n in sizes)
    header = " | ".join(f"{n:,}" for n in sizes)
    return f"""SQL queries per uncached request, by archive size ({"constant" if constant else "NOT constant"}):

| page | {header} |
| --- | {" | ".join("---:" for _ in sizes)} |
{chr(10).join(rows)}

By page size (`first`), at {SIZES[0]:,} stories ({"constant: met" if flat else "grows: missed"}):

| page | {" | ".join(f"first={f}" for f in firsts)} |
| --- | {" | ".join("---:" for _ in firsts)} |
{chr(10).join(page_rows)}

Peak memory per worker (largest VmHWM among the {WORKERS} gunicorn workers), by archive size:

| | {header} |
| --- | {" | ".join("---:" for _ in sizes)} |
| peak memory per worker | {memory} |"""


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot(results):
    plt = _pyplot()
    names = list(results)
    rates = [results[name]["rps"] for name in names]
    colors = ["#888888" if "yardstick" in name else "#2a6fdb" for name in names]
    figure, axes = plt.subplots(figsize=(10, 5))
    axes.barh(names[::-1], rates[::-1], color=colors[::-1])
    axes.set_xlabel("requests per second (higher is better)")
    axes.set_title("Throughput per scenario (grey: yardsticks)")
    figure.tight_layout()
    figure.savefig(BASE / "bench" / "throughput.png", dpi=100)


def plot_growth(run):
    plt = _pyplot()
    sizes = list(run["sizes"])
    figure, axes = plt.subplots(figsize=(8, 5))
    for name in run["sizes"][sizes[0]]["results"]:
        rates = [run["sizes"][n]["results"][name]["rps"] for n in sizes]
        axes.plot(sizes, rates, marker="o", label=name)
        floor = rates[0] / GROWTH_LIMIT
        axes.plot(sizes, [floor] * len(sizes), linestyle=":", color=axes.lines[-1].get_color())
    axes.set_xscale("log")
    axes.set_xticks(sizes, [f"{n:,}" for n in sizes])
    axes.tick_params(axis="x", which="minor", bottom=False, labelbottom=False)
    axes.set_ylim(bottom=0)
    axes.set_xlabel("stories in the archive")
    axes.set_ylabel("requests per second, uncached (higher is better)")
    axes.set_title(f"Throughput by archive size (dotted: the {GROWTH_LIMIT}x cost limit)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(BASE / "bench" / "growth.png", dpi=100)


def plot_peer(run):
    if run["peer"] is None:
        return
    plt = _pyplot()
    groups = []
    for page, endpoint, _document in peer_table.PAGES:
        bars = [
            (f"ours, {mode}", run["our_modes"][page][mode]["rps"], "#2a6fdb")
            for mode in peer_table.OUR_MODES
        ]
        bars += [
            (f"Directus, {mode}", run["peer"]["modes"][mode][endpoint]["rps"], "#888888")
            for mode in peer_table.PEER_MODES
            if endpoint in run["peer"]["modes"].get(mode, {})
        ]
        groups.append((page, bars))
    figure, axes = plt.subplots(1, len(groups), figsize=(12, 5), sharex=True)
    for axis, (page, bars) in zip(axes, groups, strict=True):
        labels = [label for label, _rate, _color in bars][::-1]
        axis.barh(labels, [r for _l, r, _c in bars][::-1], color=[c for *_x, c in bars][::-1])
        axis.set_xscale("log")
        axis.set_title(page)
        axis.set_xlabel("requests per second, log scale (higher is better)")
    figure.suptitle(f"Ours and Directus in every mode, {SIZES[0]:,} stories, same wrk settings")
    figure.tight_layout()
    figure.savefig(BASE / "bench" / "peer.png", dpi=100)


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
        f"- {version('wrk', '--version').splitlines()[0]}\n"
        f"- Load average (1, 5, 15 min) when the run ended: "
        f"{', '.join(f'{n:.1f}' for n in os.getloadavg())} (other work on the machine "
        "lowers every number; compare ratios measured in one run)"
    ) + (f"\n- {NOTE}" if NOTE else "")


def version(*command):
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()


def measure_peer():
    """The peer's numbers for this run, and how they were obtained (for the report)."""
    reason = peer.unavailable()
    if reason is None and not peer.installed():
        reason = f"the peer is not installed in {peer.PEER_DIR} (`PEER_DIR`)"
    if reason is None:
        try:
            return peer.measure(DURATION, CLIENTS, THREADS, WARMUP), "in this run"
        except peer.PeerError as error:
            log(f"the peer could not be measured: {error}")
            reason = f"it failed in this run: {str(error).splitlines()[0]}"
    saved = peer.saved()
    if saved is not None:
        return saved, f"by an earlier `make bench-peer`, not in this run ({reason})"
    return None, reason


def main():
    import scale

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench installs it with apt-get)")
    if not SIZES or SIZES[0] < 100:
        raise SystemExit(f"BENCH_SIZES must list story counts of at least 100, not {SIZES}")
    started = time.monotonic()
    search_body = {
        "query": contract("search.graphql"),
        "variables": {"language": "en", "query": "model"},
    }
    run = {"sizes": {}, "generation": {}, "peer": None}
    for size in SIZES:
        run["generation"][size] = use_archive(size)
        slug = story_slug_now()
        with running_server() as server:
            if size == SIZES[0]:
                scenarios, run["results"] = measure_main(slug)
                run["memory"] = worker_peak_memory_mb(server)
                run["growth"] = {}
                for first in (10, 50, 100):
                    body = {
                        "query": contract("front_page.graphql"),
                        "variables": {"language": "en", "first": first},
                    }
                    run["growth"][first] = latency_of("/graphql", body)
            run["sizes"][size] = measure_size(server, slug, search_body)
            if size == SIZES[0]:
                run["cached"] = measure_cached_pages()
        run["sizes"][size]["searches"] = measure_search(size)
        run["sizes"][size]["crawl"] = measure_crawl(size)
        run["sizes"][size]["sync"] = scale.measure_sync(size)
        if size == SIZES[0]:
            # What the served-story cache buys: the same pages with it off, in this run.
            with running_server(CMS_SERVED_STORY_CACHE="0"):
                run["without_story_cache"] = {
                    name: wrk(path, post_script(body, headers))
                    for name, (_method, path, body, headers) in size_scenarios(slug).items()
                    if name != "contract story page"
                }
        run["sizes"][size]["sql"] = sql_counts(
            {name: list(value) for name, value in size_scenarios(slug).items()}
        )
        if size == SIZES[0]:
            run["sql"] = sql_counts({name: list(value) for name, value in scenarios.items()})
            run["page_sql"] = sql_counts(
                {name: list(value) for name, value in page_size_scenarios().items()}
            )
            # Measured while our server is stopped, so the two never share the cores.
            run["peer"], run["peer_note"] = measure_peer()
    run["our_modes"] = our_modes(run)
    run["machine"] = machine_description()
    run["elapsed"] = time.monotonic() - started
    write_report(run)
    log("wrote BENCHMARKS.md and bench/*.png")
    print((BASE / "BENCHMARKS.md").read_text(encoding="utf-8"))
    live_only()


def live_only():
    """`bench/run.py live`: live subscribers and the topology comparison
    (bench/subscribers.py; bench/live-results.md)."""
    subscribers.main()
    log("wrote bench/live-results.md")


def cli(arguments):
    """`bench/run.py` (everything, BENCHMARKS.md), `crawl` (the crawler alone), `live` (live
    subscribers: bench/live-results.md) or `scale` (the sync, the crawler and search at each
    size: bench/scale-results.md)."""
    if arguments == ["crawl"]:
        crawl_only()
    elif arguments == ["live"]:
        live_only()
    elif arguments == ["scale"]:
        import scale

        scale.main()
    else:
        main()


if __name__ == "__main__":
    # The module's state lives in one copy, `run`, which bench/scale.py imports too.
    import run

    run.cli(sys.argv[1:])
