"""A local server speaking DeepL's /v2/translate as its documentation describes: the key in
`Authorization: DeepL-Auth-Key …`, JSON in and out, 403 for a wrong key, and whatever
answers a test queues (456 quota, 429 with Retry-After, 500, malformed bodies), or each
text translated as a test says (`answer_for`)."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "test-key:fx"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = json.loads(body)
        server.requests.append({"headers": dict(self.headers), "json": request, "path": self.path})
        if self.path != "/v2/translate":
            return self.answer(404, {"message": "Not found"})
        if self.headers.get("Authorization") != f"DeepL-Auth-Key {KEY}":
            return self.answer(403, {"message": "Wrong endpoint or key"})
        if server.queued:
            status, payload, headers = server.queued.pop(0)
            return self.answer(status, payload, headers)
        translations = [
            {
                "detected_source_language": request["source_lang"],
                "text": server.answer_for(t)
                if server.answer_for
                else f"[{request['target_lang']}] {t}",
            }
            for t in request["text"]
        ]
        return self.answer(200, {"translations": translations})

    def answer(self, status, payload, headers=None):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def deepl_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests, server.queued = [], []
    # A test's own translation of each text (None: the target language's tag before it).
    server.answer_for = None
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
