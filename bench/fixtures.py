"""The benchmark's archives: one PostgreSQL database per size, kept between runs.

Generating a million stories takes about an hour, and generating is not what the benchmark
measures, so each size's archive is a database of its own (`cms_bench_10000`, ...), stamped
with a fingerprint of the generator that made it. A later run reuses a database whose stamp
matches (after `migrate`, which brings its schema up to the code's), and regenerates one whose
generator changed. `BENCH_FRESH=1` regenerates every size.
"""

import hashlib
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
FRESH = os.environ.get("BENCH_FRESH") == "1"
# What decides the generated rows: the command, the word lists and the bulk loader.
GENERATOR = [
    BASE / "cms" / "management" / "commands" / "generate_stories.py",
    *sorted((BASE / "cms" / "demo").glob("*.py")),
]


def stamp(size):
    digest = hashlib.sha256(f"size={size} seed={size}".encode())
    for path in GENERATOR:
        digest.update(path.read_bytes())
    return f"cms-bench {digest.hexdigest()[:20]}"


def url_for(base_url, size):
    parsed = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit(parsed._replace(path=f"{parsed.path}_{size}"))


def _admin(url):
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True), parsed.path.lstrip("/")


def current_stamp(url):
    connection, name = _admin(url)
    with connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    return row[0] if row else None


def prepare(base_url, size, env, log):
    """The database URL of an archive of `size` stories, and the minutes spent generating it."""
    url = url_for(base_url, size)
    env = {**env, "DATABASE_URL": url, "DJANGO_DB_STATEMENT_TIMEOUT_MS": "0"}

    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=BASE, env=env, check=True)

    wanted = stamp(size)
    if not FRESH and current_stamp(url) == wanted:
        log(f"reusing {size:,} generated stories ({url.rsplit('/', 1)[-1]})")
        manage("migrate", "--noinput", "-v0")
        return url, None
    connection, name = _admin(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "-v0")
    log(f"generating {size:,} stories into {name}")
    started = time.monotonic()
    manage(
        "generate_stories", str(size), "--batch-size", "5000", "--seed", str(size),
        "--rebuild-indexes", "--jobs", str(len(os.sched_getaffinity(0))),
    )  # fmt: skip
    # Statistics for every table, not only the stories'.
    manage("shell", "-c", "__import__('django.db').db.connection.cursor().execute('ANALYZE')")
    connection, name = _admin(url)
    with connection:
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{wanted}'")
    return url, time.monotonic() - started


def drop(base_url, size):
    connection, name = _admin(url_for(base_url, size))
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    # `python bench/fixtures.py 1000000`: generate (or check) an archive ahead of a run.
    sys.path.insert(0, str(BASE / "bench"))
    import run

    for argument in sys.argv[1:]:
        prepare(run.BASE_DATABASE, int(argument), run.ENV, run.log)
