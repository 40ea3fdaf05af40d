"""The edge's purge APIs: Varnish with xkey, Fastly and Cloudflare, chosen by a setting.

Each backend sends edge keys (api/caching/edge.py) in as few requests as the provider takes
and raises PurgeError when any request fails, so the caller retries the whole batch (a purge
sent twice does no harm). CMS_EDGE_PURGE_BACKEND=none sends nothing.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings

USER_AGENT = "ainews-cms-edge-purge/1"
# Per request: Fastly takes 256 surrogate keys, Cloudflare 30 tags; Varnish's request
# headers are limited to 8 KB by default (http_req_hdr_len), so its batches stay under that.
FASTLY_BATCH = 256
CLOUDFLARE_BATCH = 30
VARNISH_HEADER_BYTES = 7000


class PurgeError(Exception):
    """A purge request failed; the message says which and why."""


def chunks(keys, size):
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def header_chunks(keys, limit):
    """Space-separated runs of keys, each at most `limit` bytes long."""
    run, length = [], 0
    for key in keys:
        if run and length + 1 + len(key) > limit:
            yield " ".join(run)
            run, length = [], 0
        run.append(key)
        length += len(key) + (1 if len(run) > 1 else 0)
    if run:
        yield " ".join(run)


def _send(method, url, headers, body=None):
    request = urllib.request.Request(
        url, data=body, method=method, headers={"User-Agent": USER_AGENT, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CMS_EDGE_PURGE_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        raise PurgeError(f"{method} {url}: HTTP {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise PurgeError(f"{method} {url}: {getattr(error, 'reason', error)}") from error


def varnish(keys):
    """`PURGE /` with an `xkey-purge` header to every Varnish (the repo's VCL hard-purges)."""
    for base in settings.CMS_EDGE_VARNISH_URLS:
        for run in header_chunks(keys, VARNISH_HEADER_BYTES):
            _send("PURGE", base.rstrip("/") + "/", {"xkey-purge": run})


def fastly(keys):
    """Fastly's batch surrogate-key purge: keys in a `Surrogate-Key` header, `Fastly-Key` auth."""
    url = (
        f"{settings.CMS_EDGE_FASTLY_API_URL.rstrip('/')}"
        f"/service/{settings.CMS_EDGE_FASTLY_SERVICE_ID}/purge"
    )
    for batch in chunks(keys, FASTLY_BATCH):
        _send(
            "POST",
            url,
            {
                "Fastly-Key": settings.CMS_EDGE_FASTLY_API_TOKEN,
                "Surrogate-Key": " ".join(batch),
                "Accept": "application/json",
            },
        )


def cloudflare(keys):
    """Cloudflare's purge by cache tag: `{"tags": [...]}` with a Bearer API token."""
    url = (
        f"{settings.CMS_EDGE_CLOUDFLARE_API_URL.rstrip('/')}"
        f"/client/v4/zones/{settings.CMS_EDGE_CLOUDFLARE_ZONE_ID}/purge_cache"
    )
    for batch in chunks(keys, CLOUDFLARE_BATCH):
        _status, body = _send(
            "POST",
            url,
            {
                "Authorization": f"Bearer {settings.CMS_EDGE_CLOUDFLARE_API_TOKEN}",
                "Content-Type": "application/json",
            },
            json.dumps({"tags": batch}).encode(),
        )
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        if answer.get("success") is False:
            raise PurgeError(f"POST {url}: {answer.get('errors')}")


BACKENDS = {"varnish": varnish, "fastly": fastly, "cloudflare": cloudflare}


def purge(keys):
    """Purge `keys` through the configured backend (nothing for `none`)."""
    backend = BACKENDS.get(settings.CMS_EDGE_PURGE_BACKEND)
    if backend is not None and keys:
        backend(list(keys))
