"""Ours beside the Directus peer in every mode of one `make bench` run.

The same front page (the lean one against the peer's `front_page.graphql`, the contract's
against its `front_page_full.graphql`, both in Chinese) is measured four ways on our side:
- cold: the served-story cache off (`CMS_SERVED_STORY_CACHE=0`) and the response cache
  skipped (`Cache-Control: no-cache`): every answer computed from the database;
- entity-cached: the response cache skipped, the served-story cache warm;
- cached GET: a persisted query's GET, answered from the response cache;
- cached POST: the document POSTed (Apollo Client's default), answered from the response cache;
and three ways on the peer's (`MODES` of bench/peer.py): its cache off (its default), on, and
on with its schema frozen. Each of ours is set beside each of the peer's, with the ratio; the
target holds each of ours against the peer doing the same work: a computed answer against
Directus computing its own (cache off), a cached one against Directus's fastest cached mode
for that page.

This module only assembles what bench/run.py measured (`run["our_modes"]`, `run["peer"]`):
tests/bench/test_bench_peer_table.py checks it without measuring anything.
"""

PAGES = (
    ("lean front page", "graphql", "front_page.graphql"),
    ("contract front page", "graphql-full", "front_page_full.graphql"),
)
OUR_MODES = {
    "cold": "served-story cache off, `Cache-Control: no-cache`",
    "entity-cached": "served-story cache warm, `Cache-Control: no-cache`",
    "cached GET": "persisted query's GET, a response-cache hit",
    "cached POST": "the document POSTed, a response-cache hit",
}
COMPUTED = ("cold", "entity-cached")
PEER_MODES = ("off", "on", "on+freeze")
CACHED_PEER_MODES = ("on", "on+freeze")
TARGET = 2.0


def target_mode(peer_modes, endpoint, mode):
    """The peer's mode `mode` of ours is held against for `endpoint`, or None if unmeasured."""
    if mode in COMPUTED:
        return "off" if endpoint in peer_modes.get("off", {}) else None
    cached = [m for m in CACHED_PEER_MODES if endpoint in peer_modes.get(m, {})]
    if not cached:
        return None
    return max(cached, key=lambda m: peer_modes[m][endpoint]["rps"])


def rows(run):
    """One row per page and mode of ours: (page, endpoint, mode, our numbers or None,
    {peer mode: (their req/s, ours / theirs) or None}, target mode or None, met or None)."""
    peer_modes = (run.get("peer") or {}).get("modes", {})
    found = []
    for page, endpoint, _document in PAGES:
        for mode in OUR_MODES:
            ours = run.get("our_modes", {}).get(page, {}).get(mode)
            beside = {}
            for peer_mode in PEER_MODES:
                theirs = peer_modes.get(peer_mode, {}).get(endpoint)
                if theirs is None or ours is None or not theirs["rps"]:
                    beside[peer_mode] = None
                else:
                    beside[peer_mode] = (theirs["rps"], ours["rps"] / theirs["rps"])
            target = target_mode(peer_modes, endpoint, mode)
            met = None
            if target is not None and beside[target] is not None:
                met = beside[target][1] >= TARGET
            found.append((page, endpoint, mode, ours, beside, target, met))
    return found


def _cell(pair, bold):
    if pair is None:
        return "–"
    rate, ratio = pair
    ratio_text = f"**{ratio:.2f}x**" if bold else f"{ratio:.2f}x"
    return f"{rate:,.0f}: {ratio_text}"


def table(run):
    """The Markdown table: each of our modes beside each of the peer's, with the ratio."""
    lines = [
        "| page | ours | ours req/s | p50 ms | Directus off: ours / it | Directus on: ours / it "
        f"| Directus on+freeze: ours / it | target: {TARGET:g}x |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for page, endpoint, mode, ours, beside, target, met in rows(run):
        rate = "–" if ours is None else f"{ours['rps']:,.0f}"
        p50 = "–" if ours is None else f"{ours['p50']:.1f}"
        cells = " | ".join(_cell(beside[m], m == target) for m in PEER_MODES)
        if met is None:
            verdict = "not measured"
        else:
            verdict = f"vs {target}: {'met' if met else '**missed**'}"
        lines.append(f"| {page} (`{endpoint}`) | {mode} | {rate} | {p50} | {cells} | {verdict} |")
    return "\n".join(lines)


def summary(run):
    """(met, measured) over the rows that have a target measured."""
    verdicts = [met for *_row, met in rows(run) if met is not None]
    return sum(verdicts), len(verdicts)
