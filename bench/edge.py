"""The edge benchmark (`make bench-edge`): the production topology measured through Varnish.

Starts `deploy/cluster/ctl` unless it is already up (and then stops it again), and measures:
1. cached reads per second through Varnish, against the same reads from one app process;
2. publish-to-edge latency: an edit saved through app process 1 until Varnish serves it
   (p50 / p99 over many edits);
3. a mixed load: readers through Varnish while an edit lands every few seconds, with the
   share of requests Varnish answered and how many reached the origin;
4. the Directus peer (bench/edge_directus.py) in its cached modes (`on`, `on+freeze`: every answer a
   hit of its own cache) with the same wrk settings as the cached reads through Varnish,
   measured first, while the cluster is stopped (or idle, when it was already up), so the
   two never share the cores; the goal is Varnish >= 10x Directus's best.
Writes bench/edge-results.md (and bench/edge-results.json, which `make bench` cites) and
prints it.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import edge_directus

ROOT = Path(__file__).resolve().parent.parent
CTL = ROOT / "deploy" / "cluster" / "ctl"
PYTHON = ROOT / ".venv" / "bin" / "python"
VARNISH = "http://127.0.0.1:9100"
APP1 = "http://127.0.0.1:9101"
RESULTS = ROOT / "bench" / "edge-results.md"
SECONDS = int(os.environ.get("BENCH_EDGE_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_EDGE_CLIENTS", "32"))
THREADS = 2
# A warm-up run that is thrown away before each cached-read measurement, as the peer's bench.sh.
WARMUP = int(os.environ.get("BENCH_EDGE_WARMUP_SECONDS", "3"))
EDITS = int(os.environ.get("BENCH_EDGE_EDITS", "100"))
MIXED_SECONDS = int(os.environ.get("BENCH_EDGE_MIXED_SECONDS", "30"))
EDIT_EVERY = float(os.environ.get("BENCH_EDGE_EDIT_EVERY", "2"))
UPSERT = """mutation($input: StoryInput!) { upsertStory(input: $input) {
  errors { field message } story { slug } } }"""
LIST = "{ stories(first: 10) { edges { node { slug title summary publishedAt } } } }"
# The page the peer's cached modes serve: the contract front page, 20 stories, in Chinese.
FRONT_PAGE = ROOT.parent / "shared" / "contract" / "front_page.graphql"


def log(message):
    print(f"[edge {time.strftime('%H:%M:%S')}] {message}", flush=True)


def cluster_env():
    lines = subprocess.run([CTL, "env"], check=True, capture_output=True, text=True).stdout
    return {**os.environ, **dict(line.split("=", 1) for line in lines.split())}


def up():
    try:
        with urllib.request.urlopen(VARNISH + "/graphql?query=%7B__typename%7D", timeout=2):
            return True
    except OSError:
        return False


def issue_key(env):
    code = (
        "from cms.models import ApiKey, Partner\n"
        "partner, _ = Partner.objects.get_or_create(name='Edge benchmark')\n"
        "_key, secret = ApiKey.issue(partner=partner, name='bench', "
        "scopes=['read', 'ingest', 'publish'], per_minute=10**6, per_day=10**8)\n"
        "print(secret)"
    )
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def graphql_path(query, variables=None):
    params = {"query": query}
    if variables:
        params["variables"] = json.dumps(variables)
    return "/graphql?" + urllib.parse.urlencode(params)


def story_query(slug):
    return "{ story(slug: %s) { title summary } }" % json.dumps(slug)  # noqa: UP031


def get(base, path):
    """(X-Cache, body): the body decoded when it is JSON (feeds' XML stays bytes)."""
    request = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        if "json" in response.headers.get("Content-Type", ""):
            body = json.loads(body)
        return response.headers.get("X-Cache"), body


def answer_of(base, path):
    """(X-Cache, body length in bytes) of one GET."""
    request = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers.get("X-Cache"), len(response.read())


def upsert(secret, external_id, title):
    body = {
        "query": UPSERT,
        "variables": {
            "input": {
                "externalId": external_id,
                "publish": True,
                # Written by a person: AI-generated text waits for an editor's review
                # (CMS_AI_PUBLISH_REQUIRES_REVIEW), and publishing is what is measured.
                "aiGenerated": False,
                "translations": [{"language": "en", "title": title, "summary": "Benchmark."}],
            }
        },
    }
    request = urllib.request.Request(
        APP1 + "/graphql",
        data=json.dumps(body).encode(),
        headers={
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {secret}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    result = (answer.get("data") or {}).get("upsertStory") or {}
    if not result.get("story"):
        raise SystemExit(f"upsertStory did not save the story: {json.dumps(answer)[:600]}")
    return result["story"]["slug"]


def wrk_script(paths):
    lines = [
        "local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}",
        "local i = 0",
        'local headers = {["Accept"] = "application/json"}',
        "request = function()",
        "  i = i + 1",
        '  return wrk.format("GET", paths[(i % #paths) + 1], headers)',
        "end",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    return handle.name


def wrk(base, paths, seconds, clients=CLIENTS, warmup=0):
    """requests/s, p50 ms, p99 ms and non-2xx count of a wrk run over `paths` (after a
    `warmup`-second run that is thrown away)."""
    script = wrk_script(paths)
    command = ["wrk", "-t", str(THREADS), "-c", str(clients), "--latency"]
    try:
        if warmup:
            subprocess.run(
                [*command, "-d", f"{warmup}s", "-s", script, base],
                check=True,
                capture_output=True,
            )
        command += ["-d", f"{seconds}s"]
        output = subprocess.run(
            [*command, "-s", script, base],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script)
    result = {"errors": 0}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        elif parts[:1] == ["50%"]:
            result["p50"] = duration_ms(parts[1])
        elif parts[:1] == ["99%"]:
            result["p99"] = duration_ms(parts[1])
        elif line.strip().startswith("Non-2xx"):
            result["errors"] += int(parts[-1])
    return result


def duration_ms(text):
    for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def varnish_counters():
    workdir = subprocess.run([CTL, "varnish-dir"], check=True, capture_output=True, text=True)
    output = subprocess.run(
        ["varnishstat", "-n", workdir.stdout.strip(), "-1", "-j"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    counters = json.loads(output)
    counters = counters.get("counters", counters)
    names = ("MAIN.client_req", "MAIN.cache_hit", "MAIN.cache_miss", "MAIN.backend_req")
    return {name: counters[name]["value"] for name in names}


def warm(paths):
    for path in paths:
        for _ in range(2):
            get(VARNISH, path)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def publish_latency(secret):
    external_id = f"bench-edge-{uuid.uuid4().hex[:8]}"
    slug = upsert(secret, external_id, "Benchmark story 0")
    path = graphql_path(story_query(slug))
    after_commit, after_send = [], []
    for number in range(1, EDITS + 1):
        while get(VARNISH, path)[0] != "HIT":
            time.sleep(0.01)
        title = f"Benchmark story {number}"
        sent = time.perf_counter()
        upsert(secret, external_id, title)
        committed = time.perf_counter()
        while get(VARNISH, path)[1]["data"]["story"]["title"] != title:
            time.sleep(0.002)
        seen = time.perf_counter()
        after_commit.append(seen - committed)
        after_send.append(seen - sent)
    return after_commit, after_send


def mixed_load(secret, paths, slugs):
    external_ids = []
    for number, _slug in enumerate(slugs[:5]):
        external_id = f"bench-mixed-{uuid.uuid4().hex[:8]}"
        upsert(secret, external_id, f"Mixed story {number}")
        external_ids.append(external_id)
    warm(paths)
    before = varnish_counters()
    stop = threading.Event()
    edits = []

    def editor():
        number = 0
        while not stop.wait(EDIT_EVERY):
            number += 1
            upsert(secret, external_ids[number % len(external_ids)], f"Mixed edit {number}")
            edits.append(number)

    thread = threading.Thread(target=editor, daemon=True)
    thread.start()
    load = wrk(VARNISH, paths, MIXED_SECONDS)
    stop.set()
    thread.join()
    after = varnish_counters()
    delta = {name: after[name] - before[name] for name in before}
    requests = max(1, delta["MAIN.client_req"])
    return {
        **load,
        "edits": len(edits),
        "requests": delta["MAIN.client_req"],
        "edge_hit_ratio": delta["MAIN.cache_hit"] / requests,
        "origin_requests": delta["MAIN.backend_req"],
        "origin_share": delta["MAIN.backend_req"] / requests,
    }


def front_page_path():
    variables = {"language": "zh-hans", "first": 20}
    return graphql_path(FRONT_PAGE.read_text(encoding="utf-8"), variables)


def main():
    started_here = False
    # First, while nothing of the cluster is busy: the two must not share the cores.
    directus, directus_note = edge_directus.measure(SECONDS, CLIENTS, THREADS, WARMUP)
    if directus is not None:
        mode, endpoint, top = directus["best"]
        log(f"Directus's best cached read: {endpoint}, cache {mode}, {top['rps']:.0f} req/s")
    if not up():
        subprocess.run([CTL, "start"], check=True)
        started_here = True
    try:
        env = cluster_env()
        secret = issue_key(env)
        _cache, listing = get(VARNISH, graphql_path(LIST))
        slugs = [edge["node"]["slug"] for edge in listing["data"]["stories"]["edges"]]
        paths = [graphql_path(LIST)] + [graphql_path(story_query(slug)) for slug in slugs]
        paths += ["/feeds/en/rss.xml", "/feeds/zh-hans/feed.json"]
        warm(paths)
        through_varnish = wrk(VARNISH, paths, SECONDS, warmup=WARMUP)
        front = front_page_path()
        warm([front])
        front_cache, front_bytes = answer_of(VARNISH, front)
        front_page = wrk(VARNISH, [front], SECONDS, warmup=WARMUP)
        front_page.update(x_cache=front_cache, bytes=front_bytes)
        log(
            f"through Varnish: {through_varnish['rps']:.0f} req/s (list, stories, feeds),"
            f" {front_page['rps']:.0f} req/s (front page, X-Cache {front_cache})"
        )
        from_origin = wrk(APP1, [p for p in paths if p.startswith("/graphql")], SECONDS, 4)
        after_commit, after_send = publish_latency(secret)
        mixed = mixed_load(secret, paths, slugs)
    finally:
        if started_here:
            subprocess.run([CTL, "stop"], check=False)
    cached = {"through_varnish": through_varnish, "front_page": front_page}
    report = render(cached, from_origin, after_commit, after_send, mixed, directus, directus_note)
    RESULTS.write_text(report, encoding="utf-8")
    save(cached, directus, directus_note)
    print(report)


def save(cached, directus, directus_note):
    """The cached-read numbers and their ratios to Directus, for `make bench` to cite."""
    saved = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "wrk": f"-t{THREADS} -c{CLIENTS} -d{SECONDS}s after a {WARMUP} s warm-up",
        "goal": edge_directus.GOAL,
        **cached,
        "directus": directus,
        "directus_note": directus_note,
    }
    edge_directus.SAVED.parent.mkdir(parents=True, exist_ok=True)
    edge_directus.SAVED.write_text(json.dumps(saved, indent=2), encoding="utf-8")


def render(cached, from_origin, after_commit, after_send, mixed, directus, directus_note):
    def ms(seconds):
        return f"{seconds * 1000:.0f}"

    through_varnish, front_page = cached["through_varnish"], cached["front_page"]
    return "\n".join(
        [
            "# Edge benchmark",
            "",
            f"Produced by `make bench-edge` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}),"
            f" on {os.cpu_count()} cores shared with whatever else runs; the topology of"
            " `make cluster` (Varnish, 2 gunicorn processes x 2 workers, primary + streaming"
            " replica, Redis, the task worker polling every 0.1 s).",
            "",
            "## Cached reads",
            "",
            f"`wrk -t{THREADS} -c{CLIENTS} -d{SECONDS}s --latency` after a {WARMUP} s warm-up that"
            " is thrown away (the origin row: 4 clients, no warm-up).",
            "",
            "| path | clients | req/s | p50 ms | p99 ms | non-2xx |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            f"| through Varnish (list, stories, feeds) | {CLIENTS} |"
            f" {through_varnish['rps']:.0f} | {through_varnish['p50']:.2f} |"
            f" {through_varnish['p99']:.2f} | {through_varnish['errors']} |",
            f"| through Varnish: contract front page, zh-hans, 20 stories"
            f" ({front_page['bytes']:,} bytes, X-Cache {front_page['x_cache']}) | {CLIENTS} |"
            f" {front_page['rps']:.0f} | {front_page['p50']:.2f} | {front_page['p99']:.2f} |"
            f" {front_page['errors']} |",
            f"| app process 1, response-cache hits (GraphQL only) | 4 | {from_origin['rps']:.0f} |"
            f" {from_origin['p50']:.2f} | {from_origin['p99']:.2f} | {from_origin['errors']} |",
            "",
            *edge_directus.section(cached, directus, directus_note),
            f"## Publish to edge ({len(after_commit)} edits)",
            "",
            "An edit saved with `upsertStory` through app process 1, then Varnish polled until"
            " it serves the new title (the answer was an edge hit before each edit).",
            "",
            "| measured from | p50 ms | p99 ms | max ms |",
            "| --- | ---: | ---: | ---: |",
            f"| the save's answer (committed) | {ms(statistics.median(after_commit))} |"
            f" {ms(percentile(after_commit, 0.99))} | {ms(max(after_commit))} |",
            f"| sending the save | {ms(statistics.median(after_send))} |"
            f" {ms(percentile(after_send, 0.99))} | {ms(max(after_send))} |",
            "",
            f"## Mixed load ({MIXED_SECONDS} s, an edit every {EDIT_EVERY:g} s)",
            "",
            "| req/s | p50 ms | p99 ms | edits | requests | edge hit ratio | origin requests |"
            " reached the origin |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {mixed['rps']:.0f} | {mixed['p50']:.2f} | {mixed['p99']:.2f} | {mixed['edits']} |"
            f" {mixed['requests']} | {mixed['edge_hit_ratio']:.4f} | {mixed['origin_requests']} |"
            f" {mixed['origin_share']:.4%} |",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
