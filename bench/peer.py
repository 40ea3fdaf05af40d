"""The Directus peer (`../shared/peers/directus/`): installed, loaded and measured beside ours.

`make bench-peer` runs this file. It installs Directus 12 from npm and loads it with the same
number of stories as our base size (the peer's `setup.sh`, minutes the first time), then
measures it with the peer's `bench.sh` with our wrk settings in each cache mode (`MODES`:
off, its default, set beside our uncached modes; on, and on with its schema frozen, beside
our cached ones), and saves the numbers to `bench/results/directus.json`. `make bench`
measures an installed peer again in its own run (`measure`), or includes that file when
present; `make bench-edge` measures its cached modes (`measure_cached`) beside Varnish.
Where npm or the peer's folder is missing, it says so and skips.

The peer's scripts are not ours, so this file adapts how they are called:
- `bench.sh` refuses to start when anything answers on its port, and `setup.sh` leaves its
  server running when it stops half-way (a failed or interrupted load). A Directus server of
  this `PEER_DIR` still running is stopped before measuring; anything else on the port is
  reported as the reason.
- `bench.sh` reports why it failed on stderr, and its server on a log: a failure carries both
  (`PeerError`), and one failed attempt is retried, since a busy machine (a slow start, a
  moment without free PostgreSQL connections) is the usual cause.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PEER = Path(os.environ.get("PEER_SCRIPTS", BASE.parent / "shared" / "peers" / "directus"))
PEER_DIR = Path(os.environ.get("PEER_DIR", BASE / "var" / "peer-directus")).resolve()
DATABASE = os.environ.get("PEER_DATABASE", "peer_directus")
PORT = os.environ.get("PEER_PORT", "8055")
STORIES = int(os.environ.get("PEER_STORIES", "10000"))
RESULTS = BASE / "bench" / "results"
RESULT = RESULTS / "directus.json"
CACHED_RESULT = RESULTS / "directus-cached.json"
ENDPOINTS = ("ping", "graphql", "graphql-full")
# Every cache mode `make bench` sets beside ours: off (Directus's default), on (its cache in
# memory), on+freeze (and its schema frozen: its fastest cached reads, the peer's README).
MODES = ("off", "on", "on+freeze")
# The front-page reads of the cached modes (ping is no read: it has no cache to hit).
CACHED_ENDPOINTS = ("graphql", "graphql-full", "rest")
CACHED_MODES = ("on", "on+freeze")
COLUMNS = ("rps", "ok_rps", "mean", "p50", "p99", "max", "requests", "non2xx", "errors")
ATTEMPTS = 2
CLI = "@directus/api/dist/cli/run.js"


class PeerError(Exception):
    """The peer could not be measured; the message says why."""


def log(message):
    print(f"[peer {time.strftime('%H:%M:%S')}] {message}", flush=True)


def unavailable():
    """Why the peer cannot run here, or None."""
    if not (PEER / "setup.sh").exists():
        return f"the peer's scripts are not in {PEER}"
    if shutil.which("npm") is None:
        return "npm is not installed (apt-get install npm), so Directus cannot be installed"
    if shutil.which("wrk") is None:
        return "wrk is not installed (apt-get install wrk)"
    return None


def installed():
    return (PEER_DIR / "app" / "node_modules" / "@directus" / "api" / "dist" / "cli").exists()


def _env(**extra):
    return {**os.environ, "PEER_DIR": str(PEER_DIR), "DB_NAME": DATABASE, "PORT": PORT, **extra}


def _answers(port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", int(port))) == 0


def peer_servers():
    """Process ids of Directus servers of this PEER_DIR (setup.sh's or bench.sh's)."""
    app = PEER_DIR / "app"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        args = [part.decode(errors="replace") for part in argv if part]
        script = next((arg for arg in args if arg.endswith(CLI)), None)
        if script is None or "start" not in args:
            continue
        # bench.sh starts it from $PEER_DIR/app with a relative path, setup.sh by full path.
        if (cwd / script).resolve().is_relative_to(app):
            found.append(int(entry.name))
    return found


def stop_leftovers():
    """Stop Directus servers of this PEER_DIR left running; fail if the port is still taken."""
    for pid in peer_servers():
        log(f"stopping a Directus server left running (pid {pid}) before measuring")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists() or pid not in peer_servers():
                break
            time.sleep(0.1)
    (PEER_DIR / "server.pid").unlink(missing_ok=True)
    for _ in range(50):
        if not _answers(PORT):
            return
        time.sleep(0.1)
    raise PeerError(
        f"port {PORT} is taken by something that is not this PEER_DIR's Directus "
        f"({PEER_DIR}); stop it or set PEER_PORT"
    )


def setup():
    """Install Directus (when missing) and load `STORIES` stories (when not loaded)."""
    log(f"setting up Directus in {PEER_DIR} with {STORIES} stories (minutes the first time)")
    stop_leftovers()
    # Loading is a burst of large writes on a shared machine: Directus's pressure limiter
    # would answer some of them 503 and fail the load half-way (bench.sh turns it off too).
    env = _env(STORIES=str(STORIES), PRESSURE_LIMITER_ENABLED="false")
    try:
        subprocess.run(["bash", str(PEER / "setup.sh")], env=env, check=True)
    finally:
        # setup.sh leaves its server running when it stops before the end.
        for pid in peer_servers():
            os.kill(pid, signal.SIGTERM)


def story_count():
    import psycopg

    try:
        with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{DATABASE}") as connection:
            return connection.execute("SELECT count(*) FROM stories").fetchone()[0]
    except psycopg.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise PeerError(
            f"the peer's database {DATABASE} has no stories ({first_line}); run `make bench-peer`"
        ) from None


def _tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


def _server_logs():
    logs = sorted(PEER_DIR.glob("bench-server-*.log"), key=lambda path: path.stat().st_mtime)
    if not logs:
        return ""
    return f"\n{logs[-1].name}:\n" + _tail(logs[-1].read_text(errors="replace"), 10)


def parse(output, modes, endpoints):
    """bench.sh's Markdown table as {mode: {endpoint: numbers}}."""
    measured = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 13 and cells[0] in modes and cells[1] in endpoints:
            numbers = dict(zip(COLUMNS, map(float, cells[2:11]), strict=True))
            numbers["bytes"] = int(cells[11])
            numbers["x_cache"] = cells[12]
            measured.setdefault(cells[0], {})[cells[1]] = numbers
    missing = [(m, e) for m in modes for e in endpoints if e not in measured.get(m, {})]
    if missing:
        raise PeerError(f"bench.sh's table lacks {missing}:\n{_tail(output)}")
    return measured


def run_bench(modes, endpoints, seconds, clients, threads, warmup):
    """Run bench.sh for these cache modes and endpoints; (table, its heading line)."""
    env = _env(
        CACHE_MODES=" ".join(modes),
        ENDPOINTS=" ".join(endpoints),
        DURATION=f"{seconds}s",
        WARMUP=f"{warmup}s",
        CONNS=str(clients),
        THREADS=str(threads),
    )
    reason = ""
    for attempt in range(1, ATTEMPTS + 1):
        stop_leftovers()
        process = subprocess.run(
            ["bash", str(PEER / "bench.sh")], env=env, capture_output=True, text=True
        )
        if process.returncode == 0:
            version = re.search(r"^Directus (\S+)", process.stdout, re.M)
            return parse(process.stdout, modes, endpoints), version.group(1) if version else "?"
        # It says why on stderr, except when its server does not start within its 60 s:
        # then it prints the server log's tail on stdout.
        said = process.stderr.strip() or process.stdout.strip()
        if process.stderr.strip():
            why = said.splitlines()[-1]
        elif said:
            why = "its Directus server did not answer within 60 s"
        else:
            why = "it said nothing"
        reason = (
            f"bench.sh exited with status {process.returncode}: {why}\n"
            f"{_tail(said)}{_server_logs()}"
        )
        log(f"attempt {attempt} of {ATTEMPTS} failed: {reason}")
    raise PeerError(reason)


def _measure(modes, endpoints, seconds, clients, threads, warmup, result_file):
    stories = story_count()
    measured, version = run_bench(modes, endpoints, seconds, clients, threads, warmup)
    result = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "directus": version,
        "stories": stories,
        "wrk": f"-t{threads} -c{clients} -d{seconds}s after a {warmup} s warm-up",
        "modes": measured,
    }
    result_file.parent.mkdir(parents=True, exist_ok=True)
    result_file.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def measure(seconds, clients, threads, warmup, modes=MODES):
    """Measure the installed peer in each of `modes` with these wrk settings; save and
    return it (`endpoints`: the numbers with its cache off)."""
    log(f"measuring Directus (cache {', '.join(modes)}): " + ", ".join(ENDPOINTS))
    result = _measure(modes, ENDPOINTS, seconds, clients, threads, warmup, RESULT)
    result["endpoints"] = result["modes"]["off"]
    return result


def measure_cached(seconds, clients, threads, warmup):
    """Measure the peer's cached modes (every answer a hit of its own cache); save it."""
    log(f"measuring Directus (cache {', '.join(CACHED_MODES)}): " + ", ".join(CACHED_ENDPOINTS))
    result = _measure(
        CACHED_MODES, CACHED_ENDPOINTS, seconds, clients, threads, warmup, CACHED_RESULT
    )
    result["best"] = best(result)
    return result


def best(result):
    """The fastest (mode, endpoint, numbers) of a cached measurement."""
    return max(
        ((mode, endpoint, numbers) for mode, rows in result["modes"].items()
         for endpoint, numbers in rows.items()),
        key=lambda row: row[2]["rps"],
    )  # fmt: skip


def saved(path=None):
    """The last saved measurement (of the uncached mode unless `path` says), or None."""
    path = path or RESULT
    if path.exists():
        result = json.loads(path.read_text(encoding="utf-8"))
        if "modes" in result and "off" in result["modes"]:
            result["endpoints"] = result["modes"]["off"]
        return result
    return None


def main():
    reason = unavailable()
    if reason:
        print(f"make bench-peer: skipped: {reason}.")
        return
    setup()
    sys.path.insert(0, str(BASE / "bench"))
    from run import CLIENTS, DURATION, THREADS, WARMUP

    try:
        result = measure(DURATION, CLIENTS, THREADS, WARMUP)
    except PeerError as error:
        raise SystemExit(f"make bench-peer: the peer could not be measured: {error}") from None
    for name, numbers in result["endpoints"].items():
        log(f"{name}: {numbers['rps']:.1f} req/s, p50 {numbers['p50']:.1f} ms")
    log(f"saved {RESULT.relative_to(BASE)}; `make bench` includes it")


if __name__ == "__main__":
    main()
