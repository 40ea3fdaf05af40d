"""How the benchmarks call the Directus peer's scripts (bench/peer.py, bench/edge_directus.py).

The peer's own scripts are stood in for by small ones in a temporary folder that behave as
theirs do at the edges that matter: bench.sh's table, its refusal when the port is taken and
its reasons on stderr, and a Directus server left running from the peer's folder.
"""

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def peer(monkeypatch, tmp_path):
    """bench/peer.py pointed at a temporary PEER_DIR, scripts folder and results."""
    monkeypatch.syspath_prepend(str(BENCH))
    import edge_directus
    import peer

    monkeypatch.setattr(edge_directus, "SAVED", tmp_path / "results" / "edge.json")

    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "setup.sh").write_text("exit 0\n")
    peer_dir = tmp_path / "peer-directus"
    (peer_dir / "app" / "node_modules" / "@directus" / "api" / "dist" / "cli").mkdir(parents=True)
    monkeypatch.setattr(peer, "PEER", scripts)
    monkeypatch.setattr(peer, "PEER_DIR", peer_dir)
    monkeypatch.setattr(peer, "PORT", str(free_port()))
    monkeypatch.setattr(peer, "RESULT", tmp_path / "results" / "directus.json")
    monkeypatch.setattr(peer, "CACHED_RESULT", tmp_path / "results" / "directus-cached.json")
    # The stories are counted in the peer's PostgreSQL database, which these tests lack.
    monkeypatch.setattr(peer, "story_count", lambda: 10000)
    return peer


@pytest.fixture
def wrk():
    """The benchmark measures with wrk, and refuses to start without it: a machine without
    it skips these tests with the reason; CI, which installs it (.ci/run), fails."""
    if shutil.which("wrk") is None:
        reason = "wrk is not installed (make bench installs it with apt-get; so does .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_sh(peer, body):
    (peer.PEER / "bench.sh").write_text("set -euo pipefail\n" + textwrap.dedent(body))


TABLE = r"""
echo "Directus 12.4.0 on 2 cores, node v22.23.3"
echo "| cache | endpoint | req/s | 2xx req/s | avg | p50 | p99 | max |"\
" requests | non-2xx | socket errors | body bytes | X-Cache |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
rate=100
for mode in $CACHE_MODES; do
  for ep in $ENDPOINTS; do
    rate=$((rate + 100))
    echo "| $mode | $ep | $rate.0 | $rate.0 | 5.00 | 4.00 | 9.00 | 12.00 |"\
" ${DURATION%s}00 | 0 | 0 | 28240 | HIT |"
  done
done
"""


def test_a_directus_server_left_running_from_the_peers_folder_is_stopped_before_measuring(peer):
    script = peer.PEER_DIR / "app" / "node_modules" / peer.CLI
    script.write_text(
        "import socket, sys, time\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('127.0.0.1', {peer.PORT})); s.listen(); time.sleep(600)\n"
    )
    # As bench.sh starts it: from $PEER_DIR/app, by a relative path.
    server = subprocess.Popen(
        [sys.executable, f"node_modules/{peer.CLI}", "start"], cwd=peer.PEER_DIR / "app"
    )
    try:
        for _ in range(100):
            if peer._answers(peer.PORT):
                break
            time.sleep(0.05)
        assert peer.peer_servers() == [server.pid]
        peer.stop_leftovers()
        assert server.wait(timeout=10) != 0
        assert not peer._answers(peer.PORT)
    finally:
        server.kill()


def test_something_else_on_the_peers_port_is_named_as_the_reason_and_left_alone(peer):
    with socket.socket() as other:
        other.bind(("127.0.0.1", int(peer.PORT)))
        other.listen()
        with pytest.raises(peer.PeerError, match=f"port {peer.PORT} is taken"):
            peer.stop_leftovers()
        assert peer._answers(peer.PORT)


def test_a_failing_bench_sh_is_retried_once_and_its_reason_reaches_the_report(
    peer, monkeypatch, tmp_path
):
    attempts = tmp_path / "attempts"
    bench_sh(
        peer,
        f"""
        echo attempt >> {attempts}
        echo "graphql: unexpected answer: {{\\"errors\\": [\\"too many clients\\"]}}" >&2
        exit 1
        """,
    )
    with pytest.raises(peer.PeerError) as failure:
        peer.measure(10, 8, 2, 3)
    assert attempts.read_text().count("attempt") == peer.ATTEMPTS == 2
    assert str(failure.value).startswith(
        'bench.sh exited with status 1: graphql: unexpected answer: {"errors"'
    )

    import run

    monkeypatch.setattr(peer, "unavailable", lambda: None)
    measured, note = run.measure_peer()
    assert measured is None
    report = run.peer_section({"peer": measured, "peer_note": note})
    assert "Not measured: it failed in this run: bench.sh exited with status 1: graphql" in report
    assert "the peer is not installed" not in report


def test_the_uncached_measurement_passes_our_wrk_settings_and_reads_bench_sh_table(peer):
    bench_sh(peer, 'test "$CONNS $THREADS $WARMUP" = "8 2 3s"\n' + TABLE)
    result = peer.measure(10, 8, 2, 3)
    assert list(result["endpoints"]) == ["ping", "graphql", "graphql-full"]
    assert result["endpoints"]["graphql-full"]["rps"] == 400.0
    assert result["endpoints"]["graphql"]["requests"] == 1000
    assert result["wrk"] == "-t2 -c8 -d10s after a 3 s warm-up"
    assert peer.saved(peer.RESULT)["endpoints"] == result["endpoints"]


def test_varnish_is_compared_with_the_fastest_cached_read_of_directus(peer, wrk):
    bench_sh(peer, 'test "$CACHE_MODES $CONNS" = "on on+freeze 32"\n' + TABLE)
    import edge_directus

    directus, note = edge_directus.measure(10, 32, 2, 3)
    assert note is None
    mode, endpoint, best = directus["best"]
    assert (mode, endpoint, best["rps"]) == ("on+freeze", "rest", 700.0)
    cached = {"through_varnish": {"rps": 7700.0}, "front_page": {"rps": 6300.0}}
    assert [ratio for _label, _rps, ratio in edge_directus.ratios(cached, directus)] == [11, 9]
    text = "\n".join(edge_directus.section(cached, directus, note))
    assert "| list, stories, feeds | 7700 | 700 | **11.0x** | met |" in text
    assert "| contract front page, zh-hans, 20 stories | 6300 | 700 | **9.0x** | missed |" in text
    assert "| on | `graphql` | 200 |" in text


def test_without_the_peer_the_edge_report_says_why(peer, monkeypatch):
    import edge_directus

    monkeypatch.setattr(peer, "unavailable", lambda: "npm is not installed")
    directus, note = edge_directus.measure(10, 32, 2, 3)
    assert directus is None
    assert edge_directus.section({}, directus, note)[2] == "Not measured: npm is not installed."


def test_make_bench_cites_the_ratio_of_the_last_edge_run(peer, wrk):
    bench_sh(peer, TABLE)
    import edge
    import edge_directus

    directus, note = edge_directus.measure(10, 32, 2, 3)
    edge.save({"through_varnish": {"rps": 7700.0}, "front_page": {"rps": 6300.0}}, directus, note)
    text = edge_directus.cited()
    assert "Directus's best cached read (`rest`, cache `on+freeze`, 700 req/s" in text
    assert "list, stories, feeds: 7,700 req/s, **11.0x** (met)" in text
    assert "20 stories: 6,300 req/s, **9.0x** (missed)" in text
