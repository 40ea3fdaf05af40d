"""The Directus peer (`../shared/peers/directus/`): installed, loaded and measured beside ours.

`make bench-peer` runs this file. It installs Directus 12 from npm and loads it with the same
number of stories as our base size (the peer's `setup.sh`, minutes the first time), then
measures it with the peer's `bench.sh` with our wrk settings, cache off (as our uncached
scenarios), and saves the numbers to `bench/results/directus.json`. `make bench` measures an
installed peer again in its own run (`measure`), or includes that file when present.
Where npm or the peer's folder is missing, it says so and skips.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PEER = BASE.parent / "shared" / "peers" / "directus"
PEER_DIR = Path(os.environ.get("PEER_DIR", BASE / "var" / "peer-directus"))
DATABASE = os.environ.get("PEER_DATABASE", "peer_directus")
PORT = os.environ.get("PEER_PORT", "8055")
STORIES = int(os.environ.get("PEER_STORIES", "10000"))
RESULT = BASE / "bench" / "results" / "directus.json"
ENDPOINTS = ("ping", "graphql", "graphql-full")
COLUMNS = ("rps", "ok_rps", "mean", "p50", "p99", "max", "requests", "non2xx", "errors")


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


def setup():
    """Install Directus (when missing) and load `STORIES` stories (when not loaded)."""
    log(f"setting up Directus in {PEER_DIR} with {STORIES} stories (minutes the first time)")
    subprocess.run(["bash", str(PEER / "setup.sh")], env=_env(STORIES=str(STORIES)), check=True)


def story_count():
    import psycopg

    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{DATABASE}") as connection:
        return connection.execute("SELECT count(*) FROM stories").fetchone()[0]


def measure(seconds, clients, threads, warmup):
    """Measure the installed peer, cache off, with these wrk settings; save and return it."""
    log("measuring Directus (cache off): " + ", ".join(ENDPOINTS))
    env = _env(
        CACHE_MODES="off",
        ENDPOINTS=" ".join(ENDPOINTS),
        DURATION=f"{seconds}s",
        WARMUP=f"{warmup}s",
        CONNS=str(clients),
        THREADS=str(threads),
    )
    output = subprocess.run(
        ["bash", str(PEER / "bench.sh")], env=env, capture_output=True, text=True, check=True
    ).stdout
    endpoints = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 11 and cells[0] == "off" and cells[1] in ENDPOINTS:
            endpoints[cells[1]] = dict(zip(COLUMNS, map(float, cells[2:11]), strict=True))
    if set(endpoints) != set(ENDPOINTS):
        raise SystemExit(f"could not read the peer's bench.sh output:\n{output}")
    version = re.search(r"^Directus (\S+)", output, re.M)
    result = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "directus": version.group(1) if version else "unknown",
        "stories": story_count(),
        "wrk": f"-t{threads} -c{clients} -d{seconds}s after a {warmup} s warm-up",
        "endpoints": endpoints,
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def saved():
    """The last saved measurement, or None."""
    if RESULT.exists():
        return json.loads(RESULT.read_text(encoding="utf-8"))
    return None


def main():
    reason = unavailable()
    if reason:
        print(f"make bench-peer: skipped: {reason}.")
        return
    setup()
    sys.path.insert(0, str(BASE / "bench"))
    from run import CLIENTS, DURATION, THREADS, WARMUP

    result = measure(DURATION, CLIENTS, THREADS, WARMUP)
    for name, numbers in result["endpoints"].items():
        log(f"{name}: {numbers['rps']:.1f} req/s, p50 {numbers['p50']:.1f} ms")
    log(f"saved {RESULT.relative_to(BASE)}; `make bench` includes it")


if __name__ == "__main__":
    main()
