"""The delivery every candidate's task makes (no Django here: procrastinate's worker runs
it without the project)."""

import json
import os
import urllib.request


def post(url, path, delivery_id, enqueued_at):
    body = json.dumps({"id": delivery_id, "enqueued_at": enqueued_at, "pid": os.getpid()})
    request = urllib.request.Request(
        url + path, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def deliver_to(url, delivery_id, enqueued_at):
    """POST the delivery (the receiver holds it ~200 ms), then say it finished."""
    post(url, "/deliver", delivery_id, enqueued_at)
    post(url, "/done", delivery_id, enqueued_at)
