"""Real server processes for tests that need more than one: gunicorn (or daphne) on
loopback ports."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE = Path(settings.BASE_DIR)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for(port=None):
    """The URL of the database this test run uses (pytest-django's test database)."""
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = port or db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def servers(count, log=None, database_url=None, asgi=False, runserver=False, **environment):
    """Start `count` gunicorn servers (daphne, serving ASGI, with `asgi`; `manage.py
    runserver`, as `make run` does, with `runserver`) on the test database; yield their
    base URLs."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url or database_url_for(),
        "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CONN_MAX_AGE": "0",
        # As in-process tests (tests/conftest.py): every request counts, so a test's repeated
        # views from one address are each seen; pass CMS_COUNT_WINDOW to test the window.
        "CMS_COUNT_WINDOW": "0",
        **environment,
    }
    env.pop("DJANGO_DEBUG", None)
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            if runserver:
                command = ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
            elif asgi:
                command = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                           "api.asgi:application"]  # fmt: skip
            else:
                command = ["-m", "gunicorn", "api.wsgi", "--bind", f"127.0.0.1:{port}",
                           "--workers", "1", "--log-level", "warning"]  # fmt: skip
            processes.append(
                subprocess.Popen([sys.executable, *command], cwd=BASE, env=env, stderr=log,
                                 stdout=log)
            )  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            _wait_until_up(url)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def _wait_until_up(url, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/admin/login/", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")
