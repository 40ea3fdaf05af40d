"""Cached reads through Varnish against the Directus peer's own cache (`make bench-edge`).

Issue 14's goal: cached reads through Varnish at least 10x Directus's best cached mode on
the same machine. bench/edge.py measures the peer here (its `on` and `on+freeze` modes, with
the same wrk settings as its cached reads through Varnish) before the cluster carries any
load, and renders the comparison; `make bench` cites the saved result (`cited`).
"""

import json
from pathlib import Path

import peer

GOAL = 10.0
SAVED = Path(__file__).resolve().parent / "edge-results.json"


def measure(seconds, clients, threads, warmup):
    """Directus's cached modes with these wrk settings: (result, None) or (None, why not)."""
    reason = peer.unavailable()
    if reason is None and not peer.installed():
        reason = f"the peer is not installed in {peer.PEER_DIR} (`make bench-peer`, `PEER_DIR`)"
    if reason is not None:
        return None, reason
    try:
        return peer.measure_cached(seconds, clients, threads, warmup), None
    except peer.PeerError as error:
        print(f"[edge] Directus could not be measured: {error}", flush=True)
        return None, f"it failed in this run: {str(error).splitlines()[0]}"


def ratios(cached, directus):
    """(label, Varnish req/s, Varnish / Directus's best) for each cached read via Varnish."""
    best = directus["best"][2]["rps"]
    return [
        (label, numbers["rps"], numbers["rps"] / best)
        for label, numbers in (
            ("list, stories, feeds", cached["through_varnish"]),
            ("contract front page, zh-hans, 20 stories", cached["front_page"]),
        )
    ]


def _verdict(ratio):
    return "met" if ratio >= GOAL else "missed"


def section(cached, directus, directus_note):
    """The Markdown lines of edge-results.md's comparison with Directus."""
    heading = "## Against Directus's own cache"
    if directus is None:
        return [heading, "", f"Not measured: {directus_note}.", ""]
    rows = [
        f"| {mode} | `{endpoint}` | {n['rps']:.0f} | {n['p50']:.2f} | {n['p99']:.2f} |"
        f" {n['non2xx']:.0f} | {n['errors']:.0f} | {n['bytes']:,} | {n['x_cache']} |"
        for mode, endpoints in directus["modes"].items()
        for endpoint, n in endpoints.items()
    ]
    mode, endpoint, top = directus["best"]
    verdicts = [
        f"| {label} | {rate:.0f} | {top['rps']:.0f} | **{ratio:.1f}x** | {_verdict(ratio)} |"
        for label, rate, ratio in ratios(cached, directus)
    ]
    return [
        heading,
        "",
        f"Directus {directus['directus']} from `../shared/peers/directus/` ({directus['stories']:,}"
        f" stories, one Node process), measured in this run ({directus['measured_at']}) before"
        f" the cluster carried any load, with the same `wrk {directus['wrk']}` as the cached"
        " reads above. `on`: `CACHE_ENABLED=true CACHE_STORE=memory`; `on+freeze` adds"
        " `CACHE_SCHEMA_FREEZE_ENABLED=true` (the peer's README: its best cached mode). Each"
        " endpoint's answer was checked, requested again (X-Cache: that second answer), then"
        " measured. `graphql`: `front_page.graphql`; `graphql-full`: `front_page_full.graphql`;"
        " `rest`: the same page over REST; each is the 20 newest stories in Chinese.",
        "",
        "| cache | endpoint | req/s | p50 ms | p99 ms | non-2xx | socket errors | bytes |"
        " X-Cache |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *rows,
        "",
        f"Goal: cached reads through Varnish >= {GOAL:g}x Directus's best cached read, here"
        f" `{endpoint}` with cache `{mode}`.",
        "",
        "| through Varnish | Varnish req/s | Directus best req/s | Varnish / Directus | goal |",
        "| --- | ---: | ---: | ---: | --- |",
        *verdicts,
        "",
    ]


def cited():
    """A paragraph for BENCHMARKS.md from the last `make bench-edge`, or None."""
    if not SAVED.exists():
        return None
    saved = json.loads(SAVED.read_text(encoding="utf-8"))
    directus = saved["directus"]
    if directus is None:
        return (
            f"Cached reads through Varnish (`make bench-edge`, {saved['measured_at']}):"
            f" {saved['through_varnish']['rps']:,.0f} req/s; Directus's cached modes were not"
            f" measured ({saved['directus_note']})."
        )
    mode, endpoint, top = directus["best"]
    parts = [
        f"{label}: {rate:,.0f} req/s, **{ratio:.1f}x** ({_verdict(ratio)})"
        for label, rate, ratio in ratios(saved, directus)
    ]
    return (
        f"Through the edge (`make bench-edge`, {saved['measured_at']}, `wrk {saved['wrk']}`,"
        f" a separate run; [bench/edge-results.md](bench/edge-results.md)): cached reads through"
        f" Varnish against Directus's best cached read (`{endpoint}`, cache `{mode}`,"
        f" {top['rps']:,.0f} req/s, measured in that run), goal {GOAL:g}x: "
        + "; ".join(parts)
        + "."
    )
