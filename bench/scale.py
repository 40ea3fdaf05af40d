"""The figures at scale: `bench/run.py scale` (and the sync rows of `make bench`).

At each size of `BENCH_SIZES` it measures, on that size's archive (bench/fixtures.py):

- the partners' sync (cms/sync/pages.py) in both forms, GraphQL `sync(token, first)` and
  `GET /sync`: the first page of an initial sync, a page halfway through it, and a page of
  changes after a burst of edits made through the one workflow transition (each logged as a
  partner would see it); requests/s, p50 and p99 under wrk, and SQL per page;
- the crawler (bench/run.py `crawl`): story pages across the whole archive, each asked once;
- the searches of bench/search.py, against p50 <= 50 ms and p99 <= 200 ms.

It writes bench/scale-results.md and bench/scale-results.json, with the machine's load
average beside each section: others' work on the same cores lowers every number.
"""

import json
import os
import subprocess
import time

import run

RESULTS_MD = run.BASE / "bench" / "scale-results.md"
RESULTS_JSON = run.BASE / "bench" / "scale-results.json"
SYNC_FIRST = int(os.environ.get("BENCH_SYNC_FIRST", "100"))
# Stories edited at once before the page of changes is asked: more than one page of them.
SYNC_BURST = int(os.environ.get("BENCH_SYNC_BURST", "250"))
# A partner asks for its pages one after another; two at once keep both workers busy. (A
# page of a hundred stories is over a megabyte: eight at once would measure the queue.)
SYNC_CLIENTS = int(os.environ.get("BENCH_SYNC_CLIENTS", "2"))
# The partner guide's document (docs/partners.md), with `first` as a variable. (`GET /sync`
# sends each version whole: key data, insights, FAQ, disclosure and ninjs besides.)
SYNC_DOCUMENT = """
query Sync($token: String, $first: Int!) {
  sync(token: $token, first: $first) {
    items {
      type storyId language reason
      version { slug title summary publishedAt updatedAt tldr analysis { html } tags url }
    }
    nextToken
    hasMore
  }
}
"""

# Run in the archive's database (manage.py shell): a partner key without quotas to speak
# of, the tokens of the pages measured, and the burst of edits the page of changes holds.
SETUP = """
import json
from dataclasses import replace
from django.utils import timezone
from cms.models import ApiKey, Partner, Story
from cms.stories import publishing
from cms.sync import pages, tokens

partner, _created = Partner.objects.get_or_create(name="Benchmark mirror")
key, secret = ApiKey.issue(
    partner=partner, name="sync benchmark", scopes=["read", "full_text"],
    per_minute=10**9, per_day=10**9,
)
first = pages.page(key, None, 1).position
ids = Story.objects.order_by("pk").values_list("pk", flat=True)
halfway = ids[ids.count() // 2]
# Where a partner stands halfway through its initial sync, and once it is up to date.
deep = tokens.dumps(replace(first, cursor=[halfway]))
done = tokens.dumps(replace(first, phase=tokens.DONE, cursor=None))
edited = 0
for story in Story.objects.published().order_by("?")[:BURST]:
    with publishing.change(story) as change:
        story.set_current_language("en")
        story.title = story.title + " (updated)"
        story.mark_updated(change.now)
        story.save()
    edited += 1
print(json.dumps({"secret": secret, "deep": deep, "done": done, "edited": edited}))
"""


def sync_scenarios(secret, deep, done):
    """Each page measured, in both forms: (method, path, body, headers)."""
    auth = {"Authorization": f"Bearer {secret}"}
    scenarios = {}
    for name, token in (
        ("initial sync, first page", None),
        ("initial sync, page halfway", deep),
        (f"changes after {SYNC_BURST} edits, first page", done),
    ):
        query = f"?first={SYNC_FIRST}" + (f"&token={token}" if token else "")
        scenarios[f"GET /sync: {name}"] = ("GET", f"/sync{query}", None, auth)
        body = {"query": SYNC_DOCUMENT, "variables": {"token": token, "first": SYNC_FIRST}}
        scenarios[f"GraphQL sync: {name}"] = ("POST", "/graphql", body, auth)
    return scenarios


def measure_sync(size):
    """The sync's pages at this size: wrk figures and SQL per page."""
    log_load = load()
    output = subprocess.run(
        [run.PYTHON, "manage.py", "shell", "-c", SETUP.replace("BURST", str(SYNC_BURST))],
        cwd=run.BASE, env=run.ENV, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    setup = json.loads(output.strip().splitlines()[-1])
    scenarios = sync_scenarios(setup["secret"], setup["deep"], setup["done"])
    found = {}
    # Cold, as a partner's walk is: a page repeated under load must not be served from the
    # served-story cache that its first request filled.
    run.ENV["CMS_SERVED_STORY_CACHE"] = "0"
    try:
        with run.running_server():
            for name, (method, path, body, headers) in scenarios.items():
                run.log(f"sync: {name} at {size:,} stories")
                if method == "POST":
                    script = run.post_script(body, headers)
                else:
                    script = run.header_script(headers)
                page = found[name] = run.wrk(path, script, clients=SYNC_CLIENTS)
                page["items"], page["bytes"] = count_items(method, path, body, headers)
        sql = run.sql_counts({name: list(value) for name, value in scenarios.items()})
    finally:
        del run.ENV["CMS_SERVED_STORY_CACHE"]
    for name in found:
        found[name]["sql"] = sql[name]
    return {"pages": found, "edited": setup["edited"], "load": [log_load, load()]}


def count_items(method, path, body, headers):
    """How many items the page holds, and its size (asked once more, outside the timing)."""
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(run.URL + path, data, dict(headers), method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        raw = response.read()
    answer = json.loads(raw)
    page = answer["data"]["sync"] if "data" in answer else answer
    return len(page["items"]), len(raw)


def load():
    return os.getloadavg()[0]


def sync_section(sizes):
    """The sync's table: each page at each size, in both forms."""
    measured = {n: sizes[n]["sync"] for n in sizes if sizes[n].get("sync")}
    if not measured:
        return ""
    names = list(next(iter(measured.values()))["pages"])
    rows = []
    for name in names:
        for size, found in measured.items():
            page = found["pages"][name]
            rows.append(
                f"| {name} | {size:,} | {page['items']} | {page['bytes'] / 1e6:.1f} MB | "
                f"{page['rps']:.1f} | {page['p50']:.0f} | "
                f"{page['p99']:.0f} | {page['sql']} | {page['errors']} |"
            )
    constant = all(
        len({found["pages"][name]["sql"] for found in measured.values()}) == 1 for name in names
    )
    loads = ", ".join(
        f"{n:,}: {found['load'][0]:.1f} → {found['load'][1]:.1f}" for n, found in measured.items()
    )
    if len(measured) > 1:
        verdict = f"{'constant' if constant else 'NOT constant'} in archive size"
    else:
        verdict = "one size measured (tests/sync/test_sync_http.py asserts it constant)"
    wrk = f"wrk -t{min(run.CORES, SYNC_CLIENTS)} -c{SYNC_CLIENTS} -d{run.DURATION}s"
    return f"""## Partners' sync (PostgreSQL and Redis, {run.WORKERS} workers, {wrk})

Pages of `first: {SYNC_FIRST}` stories (each an item per language) for a key reading every
language with full text: the first page of an initial sync, a page halfway through it (the
token a partner holds there), and the first page of changes after {SYNC_BURST} stories were
edited through the workflow. Each request is answered afresh (the sync is never cached),
with the served-story cache off (`CMS_SERVED_STORY_CACHE=0`): a partner's walk reads stories
nobody asked for lately, so a page repeated under load is measured cold every time.
SQL per page, counted in-process: {verdict}.
Load average (1 min) at the start and end of each size's measurement: {loads}.

| page | stories | items | size | req/s | p50 ms | p99 ms | SQL per page | errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}"""


def crawl_table(sizes):
    rows = [run.crawl_row(n, sizes[n]["crawl"]) for n in sizes if sizes[n].get("crawl")]
    loads = ", ".join(
        f"{n:,}: {sizes[n]['crawl']['load'][0]:.1f} → {sizes[n]['crawl']['load'][1]:.1f}"
        for n in sizes
        if sizes[n].get("crawl")
    )
    return f"""## The long tail: a crawler ({run.WORKERS} workers)

{run.CRAWL_PAGES:,} story pages (the contract's `story_page.graphql`, POST, no `Cache-Control`)
drawn across the whole archive, in English or Chinese at random, each asked once by
{run.CLIENTS} connections at once. Target: p99 <= {run.CRAWL_P99:.0f} ms, SQL per page constant.
Load average (1 min) at the start and end: {loads}.

| stories | pages | req/s | p50 ms | p99 ms | SQL per page | errors | |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}"""


def write(result):
    sizes = result["sizes"]
    search = run.search_report({"sizes": sizes})
    generation = ", ".join(
        f"{n:,}: {'%.1f min' % (s / 60) if s is not None else 'reused'}"
        for n, s in result["generation"].items()
    )
    report = f"""# Figures at scale

Written by `bench/run.py scale` ({time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}); not
BENCHMARKS.md, which `make bench` writes. Archives: {generation} (generating, when this run did it).

Machine:
{run.machine_description()}

This machine is shared: other engineers' tests and benchmarks ran on the same two cores
during the whole run (the load averages beside each section say how busy it was; on an
idle machine the load average would be about the benchmark's own 2 to 3).

{sync_section(sizes)}

{crawl_table(sizes)}

{search}

{search_loads(sizes)}
"""
    RESULTS_MD.write_text(report, encoding="utf-8")
    RESULTS_JSON.write_text(json.dumps(result, indent=1), encoding="utf-8")


def search_loads(sizes):
    loads = [
        f"{n:,}: {sizes[n]['search_load'][0]:.1f} → {sizes[n]['search_load'][1]:.1f}"
        for n in sizes
        if sizes[n].get("search_load")
    ]
    if not loads:
        return ""
    return f"Load average (1 min) at the start and end of the searches: {', '.join(loads)}."


def main(parts=("sync", "crawl", "search")):
    result = {"sizes": {}, "generation": {}}
    for size in run.SIZES:
        result["generation"][size] = run.use_archive(size)
        measured = result["sizes"][size] = {}
        if "sync" in parts:
            measured["sync"] = measure_sync(size)
            write(result)
        if "crawl" in parts:
            before = load()
            measured["crawl"] = run.measure_crawl(size)
            measured["crawl"]["load"] = [before, load()]
            write(result)
        if "search" in parts:
            before = load()
            measured["searches"] = run.measure_search(size)
            measured["search_load"] = [before, load()]
            write(result)
    run.log(f"wrote {RESULTS_MD.relative_to(run.BASE)}")
    print(RESULTS_MD.read_text(encoding="utf-8"))
