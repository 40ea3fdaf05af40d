# Varnish in front of the two app processes of `make cluster` (docs/operations/topology.md).
#
# - Caches only what the origin marks for edges with Surrogate-Control (public, successful
#   GraphQL GETs and feeds), for the max-age it says; Cache-Control stays the browser's.
# - Serves an expired answer for its stale-while-revalidate seconds while refetching it,
#   and for its stale-if-error seconds while no app process is healthy or the origin
#   answers an error (5xx, or no answer) for it; a copy past its max-age says
#   `X-Cache: STALE` (and its Age).
# - Tries a failed GET or HEAD once more on the other app process before answering.
# - Indexes each answer under its Surrogate-Key keys (xkey); `PURGE /` with an
#   `xkey-purge: key key …` header, from loopback only, evicts every answer carrying one.
# - Never caches a request with Authorization, Preview-Token (or `?preview=`, as images
#   in a preview send it), a session cookie or a feed key or token, nor anything under /admin/.
# - Keys feeds and sitemaps by the parameters the origin reads only (normalise_query).
# - Sends subscriptions to the ASGI processes (api/asgi.py): a WebSocket upgrade of /graphql
#   is piped (the Upgrade and Connection headers passed on, then bytes both ways), and an
#   event stream (a request for /graphql accepting text/event-stream) is passed and streamed
#   as it comes, never buffered or stored. Both send something every
#   CMS_SUBSCRIPTION_PING_SECONDS (20 s), within Varnish's 60 s pipe and between-bytes
#   timeouts.
# Ports: Varnish 9100 (deploy/cluster/ctl), app processes 9101 and 9102, subscription
# (ASGI) processes 9105 and 9106.
vcl 4.1;

import directors;
import std;
import xkey;

# /healthz is answered before Django's stack: no database, no cache (api/ops/probes.py).
probe graphql {
    .request =
        "GET /healthz HTTP/1.1"
        "Host: 127.0.0.1"
        "Accept: application/json"
        "Connection: close";
    .interval = 2s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
}

backend app1 { .host = "127.0.0.1"; .port = "9101"; .probe = graphql; }
backend app2 { .host = "127.0.0.1"; .port = "9102"; .probe = graphql; }
backend live1 { .host = "127.0.0.1"; .port = "9105"; .probe = graphql; }
backend live2 { .host = "127.0.0.1"; .port = "9106"; .probe = graphql; }

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new apps = directors.round_robin();
    apps.add_backend(app1);
    apps.add_backend(app2);
    new subscriptions = directors.round_robin();
    subscriptions.add_backend(live1);
    subscriptions.add_backend(live2);
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is allowed from loopback only."));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in an xkey-purge header."));
        }
        # A hard purge: a purged answer is never served again, not even stale.
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " objects."));
    }
    set req.backend_hint = apps.backend();
    if (req.url ~ "^/graphql(\?|$)") {
        if (req.http.Upgrade ~ "(?i)^websocket$") {
            set req.backend_hint = subscriptions.backend();
            return (pipe);
        }
        if (req.http.Accept ~ "(?i)text/event-stream") {
            set req.backend_hint = subscriptions.backend();
            return (pass);
        }
    }
    # Our own restart marker (vcl_hit) only; a client's is dropped.
    if (req.restarts == 0) {
        unset req.http.X-Edge-Refresh;
        unset req.http.X-Edge-Stale;
    } else if (req.http.X-Edge-Refresh && !req.http.X-Edge-Stale) {
        set req.hash_always_miss = true;
    } else {
        # Serving the stale copy after a failed refresh: a lookup that finds it (a restart
        # keeps the refresh's always-miss).
        set req.hash_always_miss = false;
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization || req.http.Preview-Token || req.url ~ "^/admin"
        || req.url ~ "[?&](key|preview|token)=") {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # No other cookie changes a public answer.
    unset req.http.Cookie;
    if (req.url ~ "^/(feeds/|sitemap\.xml|sitemaps/)") {
        call normalise_query;
    }
    return (hash);
}

# Feeds and sitemaps are keyed by the parameters the origin reads, and the origin is sent
# the same normalised address, so the object and the answer always agree (api/feeds.py,
# api/sitemaps.py). Feeds read `tag`; a sitemap's page reads `p` (page 1 is the page without
# one); the index reads nothing. Every other parameter (utm_*, cache busters, junk) is dropped
# rather than making a new object and a new origin fetch. A kept parameter given twice is
# refused by the origin (a 400 or 404): passed, never stored.
sub normalise_query {
    if (req.url !~ "\?") {
        return;
    }
    set req.url = std.querysort(req.url);
    # "&a=1&p=2&tag=x": the query with a leading separator, so each parameter starts with &.
    set req.http.X-Edge-Query = regsub(req.url, "^[^?]*\?", "&");
    if (req.url ~ "^/feeds/") {
        set req.http.X-Edge-Query = regsuball(req.http.X-Edge-Query, "&(?!tag=[^&])[^&]*", "");
    } else if (req.url ~ "^/sitemaps/") {
        set req.http.X-Edge-Query = regsuball(req.http.X-Edge-Query, "&(?!p=[^&])[^&]*", "");
        set req.http.X-Edge-Query = regsuball(req.http.X-Edge-Query, "&p=0+([^&])", "&p=\1");
        if (req.http.X-Edge-Query == "&p=1") {
            set req.http.X-Edge-Query = "";
        }
    } else {
        set req.http.X-Edge-Query = "";
    }
    set req.url = regsub(req.url, "\?.*$", "");
    if (req.http.X-Edge-Query != "") {
        set req.url = req.url + "?" + regsub(req.http.X-Edge-Query, "^&", "");
    }
    if (req.http.X-Edge-Query ~ "&(tag|p)=[^&]*&\1=") {
        unset req.http.X-Edge-Query;
        return (pass);
    }
    unset req.http.X-Edge-Query;
}

sub vcl_hit {
    # The refetch failed (vcl_synth): the stale copy, within its stale-if-error grace.
    if (req.http.X-Edge-Stale) {
        return (deliver);
    }
    # Past max-age: within stale-while-revalidate, the builtin grace logic serves the stale
    # copy and refetches in the background; past it, while an app process is healthy,
    # fetch now (the rest of the grace, up to stale-if-error, is for when none is).
    if (obj.ttl < 0s && std.healthy(req.backend_hint)
        && obj.ttl + std.duration(obj.http.X-Edge-SWR + "s", 0s) < 0s) {
        set req.http.X-Edge-Refresh = "1";
        return (restart);
    }
}

# A WebSocket: Varnish drops hop-by-hop headers, so the upgrade is asked for again.
sub vcl_pipe {
    if (req.http.Upgrade) {
        set bereq.http.Upgrade = req.http.Upgrade;
        set bereq.http.Connection = req.http.Connection;
    }
}

sub vcl_backend_fetch {
    # A retry asks the round-robin director again: the other app process.
    if (bereq.url ~ "^/graphql(\?|$)" && bereq.http.Accept ~ "(?i)text/event-stream") {
        set bereq.backend = subscriptions.backend();
    } else {
        set bereq.backend = apps.backend();
    }
}

sub vcl_backend_error {
    if (bereq.retries == 0 && bereq.method ~ "^(GET|HEAD)$") {
        return (retry);
    }
    call keep_the_stale_copy;
}

# A refresh of a stale copy (vcl_hit's, or a background one) that failed on both app
# processes stores nothing: any object it made, even an uncacheable one, would be newer
# than the copy and hide it from the next lookup. vcl_synth then serves the copy.
sub keep_the_stale_copy {
    if (bereq.http.X-Edge-Refresh || bereq.is_bgfetch) {
        return (abandon);
    }
}

sub vcl_backend_response {
    if (beresp.status >= 500 && bereq.method ~ "^(GET|HEAD)$") {
        if (bereq.retries == 0) {
            return (retry);
        }
        call keep_the_stale_copy;
        # Kept for no time: a stale copy stays the one found by the next lookup.
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (beresp.http.Content-Type ~ "(?i)^text/event-stream") {
        # Each event goes on to the client as it comes; nothing is kept.
        set beresp.do_stream = true;
        set beresp.do_gzip = false;
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Surrogate-Control !~ "max-age=[0-9]+" || beresp.http.Set-Cookie) {
        # Not marked for edges (errors, keyed, preview, admin): fetch it every time.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    set beresp.ttl = std.duration(
        regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
    set beresp.http.X-Edge-SWR = "0";
    if (beresp.http.Surrogate-Control ~ "stale-while-revalidate=[0-9]+") {
        set beresp.http.X-Edge-SWR = regsub(beresp.http.Surrogate-Control,
            "^.*stale-while-revalidate=([0-9]+).*$", "\1");
    }
    set beresp.grace = std.duration(beresp.http.X-Edge-SWR + "s", 0s);
    if (beresp.http.Surrogate-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(regsub(beresp.http.Surrogate-Control,
            "^.*stale-if-error=([0-9]+).*$", "\1") + "s", 0s);
    }
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    unset beresp.http.Surrogate-Control;
    return (deliver);
}

sub vcl_synth {
    # Refreshing a stale copy failed (keep_the_stale_copy): serve the copy instead, what
    # stale-if-error promises.
    if (req.restarts > 0 && req.http.X-Edge-Refresh && !req.http.X-Edge-Stale) {
        set req.http.X-Edge-Stale = "1";
        return (restart);
    }
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.ttl < 0s) {
        # Past its max-age: served within stale-while-revalidate or stale-if-error (Age
        # says how old it is).
        set resp.http.X-Cache = "STALE";
    } else if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.X-Edge-SWR;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
}
