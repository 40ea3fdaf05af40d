"""The benchmark's crawler (bench/run.py) asks each page once and counts what went wrong.

A small HTTP server stands in for ours: it records every body it is sent and answers as the
API does (a story, or null for a slug it does not know).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def run(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import run

    return run


@pytest.fixture
def server(run, monkeypatch):
    asked = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            asked.append((body["variables"]["slug"], body["variables"]["language"]))
            known = not body["variables"]["slug"].startswith("gone")
            story = {"slug": body["variables"]["slug"]} if known else None
            answer = json.dumps({"data": {"story": story}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(run, "URL", f"http://127.0.0.1:{httpd.server_address[1]}")
    yield asked
    httpd.shutdown()
    httpd.server_close()


def test_the_crawler_asks_every_page_once_in_its_language(run, server):
    pages = [(f"story-{n}", "en" if n % 2 else "zh-hans") for n in range(50)]
    found = run.crawl(pages, clients=4)
    assert sorted(server) == sorted(pages)
    assert found["pages"] == 50
    assert found["errors"] == 0
    assert 0 < found["p50"] <= found["p99"]


def test_a_page_that_finds_no_story_is_counted_as_an_error(run, server):
    found = run.crawl([("story-1", "en"), ("gone-2", "en"), ("gone-3", "zh-hans")], clients=2)
    assert found["errors"] == 2


def test_the_crawler_row_says_when_sql_per_page_is_not_constant(run):
    measured = {"pages": 10, "rps": 50.0, "p50": 20.0, "p99": 40.0, "errors": 0}
    assert "| 3 | 0 | met |" in run.crawl_row(100_000, {**measured, "sql": [3, 3, 3]})
    uneven = run.crawl_row(100_000, {**measured, "sql": [3, 4, 3]})
    assert "3–4 (NOT constant)" in uneven
    slow = run.crawl_row(100_000, {**measured, "p99": 150.0, "sql": [3]})
    assert slow.endswith("| missed |")
