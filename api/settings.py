"""Settings for the whole project, driven by environment variables (docs/operations/settings.md)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from api.devsecret import development_secret_key
from api.languages import derived_from, fallbacks_from, languages_from, opencc_conversions

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name, default, kind=int):
    """Read a numeric environment variable; a clear error when it is not a number."""
    value = os.environ.get(name, "").strip() or str(default)
    try:
        return kind(value)
    except ValueError:
        kind_name = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {kind_name}; it is {value!r}.") from None


def env_list(name, default=""):
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The path of the `aigc:` namespace; the CMS serves a description of it there.
AIGC_NAMESPACE_PATH = "/ns/aigc/1.0"


def aigc_namespace(site_url):
    """The `aigc:` XML namespace on the publication's own site: its origin, then a path
    that names the vocabulary and its version (a namespace URI never changes)."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "{" in parts.netloc:
        raise ImproperlyConfigured(
            "CMS_AIGC_NAMESPACE cannot be derived from the site's address "
            f"{site_url!r}: set CMS_SITE_URL to an absolute address, or CMS_AIGC_NAMESPACE."
        )
    return f"{parts.scheme}://{parts.netloc}{AIGC_NAMESPACE_PATH}"


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    # Development only: a key of this checkout's own, never one written in the code.
    SECRET_KEY = development_secret_key(VAR_DIR)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so that its admin templates (the language switch) take precedence.
    "cms",
    # Before staticfiles: `runserver` serves ASGI (HTTP and WebSocket subscriptions).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "parler",
    "reversion",
    "corsheaders",
    "django_tasks",
    "cms.core.task_queue.TaskQueueConfig",  # django_tasks_db, with a translated name
    "api",
]

# Subscriptions (api/graphql_ws/): the ASGI application, and the channel layer that carries
# entry changes to every process's subscribers (Redis with REDIS_URL; else in-memory, one
# process). Pub/Sub channels are shared by every Redis database: the prefix keeps
# deployments sharing one Redis apart.
ASGI_APPLICATION = "api.asgi.application"
CMS_CHANNEL_PREFIX = os.environ.get("CMS_CHANNEL_PREFIX", "cms")
if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": CMS_CHANNEL_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Subscriptions a key, or an address without one, may hold open at once (on every process
# together; 0: no bound). Each subscription also counts as one request of the key's quota
# (or of the address's rate limit).
CMS_SUBSCRIPTIONS_PER_KEY = env_number("CMS_SUBSCRIPTIONS_PER_KEY", 100)
CMS_SUBSCRIPTIONS_PER_ADDRESS = env_number("CMS_SUBSCRIPTIONS_PER_ADDRESS", 20)
# A WebSocket is pinged this often and closed if the last ping is unanswered; an event
# stream gets a comment line as often.
CMS_SUBSCRIPTION_PING_SECONDS = env_number("CMS_SUBSCRIPTION_PING_SECONDS", 20, float)
# A client that leaves more than this unread (WebSocket: sent since the last ping it
# answered; event stream: waiting to be written to it) is closed.
CMS_SUBSCRIPTION_MAX_PENDING_BYTES = env_number("CMS_SUBSCRIPTION_MAX_PENDING_BYTES", 262144)

# Background work (webhook deliveries) runs on the database task queue: `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker's lease (cms/management/worker.py): a worker silent this long is dead and its
# task runs again elsewhere. A failing task runs at most this many times, 2 s, 4 s, … apart.
CMS_TASK_LEASE_SECONDS = env_number("CMS_TASK_LEASE_SECONDS", 15, float)
CMS_TASK_MAX_ATTEMPTS = env_number("CMS_TASK_MAX_ATTEMPTS", 5)
CMS_TASK_RETRY_SECONDS = env_number("CMS_TASK_RETRY_SECONDS", 2, float)

MIDDLEWARE = [
    # First: answers the health probes, and measures everything below it (api/ops/).
    "api.ops.middleware.OperationsMiddleware",
    # Before anything that may answer: preflights, and CORS headers on every answer.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "api.graphql_http.security.AdminProtectionMiddleware",
    # Last: a view's temporary failure (database, Redis) is a 503 with Retry-After.
    "api.ops.unavailable.UnavailableMiddleware",
]

ROOT_URLCONF = "api.urls"
# A form refused by the CSRF check gets the admin's page in its language, not a bare 403.
CSRF_FAILURE_VIEW = "cms.admin.refusals.csrf_failure"
WSGI_APPLICATION = "api.wsgi.application"
ASGI_APPLICATION = "api.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in var/ unless DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_number("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A request never waits long on the database: connecting, or any one statement. No JIT:
    # every query here is short, and compiling one (which starts when a plan's estimated cost
    # is high, as a search's per-row subqueries make it) costs more than it saves.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env_number("DJANGO_DB_CONNECT_TIMEOUT", 2),
            "options": "-c jit=off -c statement_timeout="
            + os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT_MS", "5000"),
        }
    )
# Streaming replicas for public reads (api/db_router.py): aliases replica_0, replica_1, …
# In tests each mirrors "default", so the router's choices run against the test database.
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS")):
    DATABASES[f"replica_{_index}"] = {
        **dj_database_url.parse(
            _url, conn_max_age=env_number("DJANGO_CONN_MAX_AGE", 60), conn_health_checks=True
        ),
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["api.db_router.ReplicaRouter"]
# How long a replica's health (answering, lag within CMS_READYZ_MAX_REPLICA_LAG) is trusted
# before it is probed again; a failed replica is skipped for the primary that long.
CMS_REPLICA_RECHECK_SECONDS = env_number("CMS_REPLICA_RECHECK_SECONDS", 3, float)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, serving on (without caching) while Redis is down.
            "BACKEND": "api.caching.backend.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "cms"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "cms",
            # Django's default of 300 entries is less than a page of 100 stories' answer
            # versions and counters: past it, a third of the cache is dropped at random.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: CMS_LANGUAGES lists the codes the site publishes in, the first being the
# default; adding one there (and, for the admin, its catalog in locale/) is all it takes.
# A language's name is Django's own (translated by Django's catalogs), or ours below.
LANGUAGE_NAMES = {
    "en": _("English"),
    "zh-hans": _("Simplified Chinese"),
    "zh-hant": _("Traditional Chinese"),
}
LANGUAGES = languages_from(env_list("CMS_LANGUAGES", "en,zh-hans"), LANGUAGE_NAMES)
LANGUAGE_CODE = LANGUAGES[0][0]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# A story missing the requested language is served in this one.
CMS_FALLBACK_LANGUAGE = os.environ.get("CMS_FALLBACK_LANGUAGE", LANGUAGE_CODE)
# Each language's fallback chain, `zh-hant:zh-hans,en;ja:en` (CMS_LANGUAGE_FALLBACKS): a story
# missing a language is served in the first of its chain it has. Unnamed languages fall back
# to CMS_FALLBACK_LANGUAGE.
CMS_LANGUAGE_FALLBACKS = fallbacks_from(
    os.environ.get("CMS_LANGUAGE_FALLBACKS", ""), [code for code, _name in LANGUAGES]
)
# Languages generated from another one's text rather than written (cms/stories/derived.py),
# `language:source:conversion;…` with an OpenCC configuration (s2twp: Taiwan characters and
# phrasing; s2tw: Taiwan characters only; s2hk: Hong Kong; s2t: OpenCC's standard). Each
# is a real language version, regenerated whenever its source's text changes, except the
# fields an editor overrode. By default Traditional Chinese is derived from Simplified
# wherever the site publishes both (`make run` serves en,zh-hans,zh-hant); "none" derives
# nothing. A derived language with no chain of its own falls back to its source first.
_DEFAULT_DERIVED = (
    "zh-hant:zh-hans:s2twp" if {"zh-hant", "zh-hans"} <= {code for code, _name in LANGUAGES} else ""
)
_derived = os.environ.get("CMS_DERIVED_LANGUAGES", _DEFAULT_DERIVED)
CMS_DERIVED_LANGUAGES = derived_from(
    "" if _derived.strip().lower() == "none" else _derived,
    [code for code, _name in LANGUAGES],
    opencc_conversions(),
)
for _code, (_source, _conversion) in CMS_DERIVED_LANGUAGES.items():
    CMS_LANGUAGE_FALLBACKS.setdefault(
        _code, list(dict.fromkeys(c for c in (_source, CMS_FALLBACK_LANGUAGE) if c != _code))
    )
PARLER_DEFAULT_LANGUAGE_CODE = LANGUAGE_CODE
PARLER_LANGUAGES = {
    None: tuple(
        {"code": code, "fallbacks": CMS_LANGUAGE_FALLBACKS.get(code, [CMS_FALLBACK_LANGUAGE])}
        for code, _name in LANGUAGES
    ),
    "default": {"fallbacks": [CMS_FALLBACK_LANGUAGE], "hide_untranslated": False},
}
# Parler's per-object translation cache is a write on every read; the API loads
# translations itself, so the cache would only cost time.
PARLER_ENABLE_CACHING = False

# The reader site's canonical story address; {language} and {slug} are filled in.
CMS_STORY_URL = os.environ.get(
    "CMS_STORY_URL", "https://news.example.com/{language}/stories/{slug}"
)
CMS_PUBLISHER_NAME = os.environ.get("CMS_PUBLISHER_NAME", "AI News")
# AI disclosure (cms/disclosure/rules.py): publishing AI-generated text needs a human review, and
# the GB 45438-2025 implicit label names this publication as producer and propagator.
CMS_AI_PUBLISH_REQUIRES_REVIEW = env_bool("CMS_AI_PUBLISH_REQUIRES_REVIEW", True)
CMS_AIGC_PRODUCER_NAME = os.environ.get("CMS_AIGC_PRODUCER_NAME", CMS_PUBLISHER_NAME)
CMS_AIGC_PRODUCER_CODE = os.environ.get("CMS_AIGC_PRODUCER_CODE", "")
CMS_AIGC_PROPAGATOR_NAME = os.environ.get("CMS_AIGC_PROPAGATOR_NAME", CMS_AIGC_PRODUCER_NAME)
CMS_AIGC_PROPAGATOR_CODE = os.environ.get("CMS_AIGC_PROPAGATOR_CODE", CMS_AIGC_PRODUCER_CODE)
CMS_OG_LOCALES = {"en": "en_US", "zh-hans": "zh_CN", "zh-hant": "zh_TW"}
# Machine translation (cms/translation/machine.py): off unless a DeepL key is set. A drafted
# translation is a proposal graded machine-translated, never published by itself.
CMS_DEEPL_AUTH_KEY = os.environ.get("CMS_DEEPL_AUTH_KEY", "")
# Free keys end in ":fx" and have their own host.
CMS_DEEPL_URL = os.environ.get("CMS_DEEPL_URL") or (
    "https://api-free.deepl.com" if CMS_DEEPL_AUTH_KEY.endswith(":fx") else "https://api.deepl.com"
)
CMS_DEEPL_TIMEOUT_SECONDS = env_number("CMS_DEEPL_TIMEOUT_SECONDS", 30, float)
# DeepL's codes for our languages, as a source and as a target.
CMS_DEEPL_LANGUAGES = {
    "en": {"source": "EN", "target": os.environ.get("CMS_DEEPL_ENGLISH", "EN-US")},
    "zh-hans": {"source": "ZH", "target": "ZH-HANS"},
}
CMS_SITE_URL = os.environ.get("CMS_SITE_URL", "https://news.example.com/{language}/")
# The XML namespace of the `aigc:` elements in RSS and Atom (and the JSON Feed extension's
# `about`): an address on the publication's own site, stable across releases (docs/disclosure.md,
# "The feeds' namespace"); the CMS serves a description of it at the same path.
CMS_AIGC_NAMESPACE = os.environ.get("CMS_AIGC_NAMESPACE") or aigc_namespace(
    CMS_SITE_URL or CMS_STORY_URL
)
CMS_SHARE_CAMPAIGN = os.environ.get("CMS_SHARE_CAMPAIGN", "story_share")
# Caching of public reads: the response cache, and what HTTP caches are told.
CMS_RESPONSE_CACHE_TIMEOUT = env_number("CMS_RESPONSE_CACHE_TIMEOUT", 300)
# Each story's part of an answer kept between answers (docs/graphql.md: "Served-story cache").
CMS_SERVED_STORY_CACHE = env_bool("CMS_SERVED_STORY_CACHE", True)
CMS_HTTP_MAX_AGE = env_number("CMS_HTTP_MAX_AGE", 30)
CMS_HTTP_SHARED_MAX_AGE = env_number("CMS_HTTP_SHARED_MAX_AGE", 60)
CMS_HTTP_STALE_WHILE_REVALIDATE = env_number("CMS_HTTP_STALE_WHILE_REVALIDATE", 30)
# View and share counts (cms/counting/counters.py, docs/graphql.md "Counting"): kept in the
# shared cache when it is shared by every process (Redis), written to the database every so
# many seconds; browsers and edges may show counts this many seconds old (the response cache
# keeps an answer's content for its own lifetime and puts current counts into it on each hit).
CMS_COUNTERS_IN_CACHE = env_bool("CMS_COUNTERS_IN_CACHE", bool(REDIS_URL))
CMS_COUNTERS_FLUSH_SECONDS = env_number("CMS_COUNTERS_FLUSH_SECONDS", 5)
CMS_COUNTERS_MAX_AGE = env_number("CMS_COUNTERS_MAX_AGE", 10)
if CMS_COUNTERS_FLUSH_SECONDS < 1:
    raise ImproperlyConfigured(
        f"CMS_COUNTERS_FLUSH_SECONDS must be 1 or more; it is {CMS_COUNTERS_FLUSH_SECONDS}."
    )
# Preview tokens (cms/stories/preview.py) show one unpublished story for this many seconds.
CMS_PREVIEW_MAX_AGE = env_number("CMS_PREVIEW_MAX_AGE", 3600)
# Partners' sync tokens (cms/sync/tokens.py) expire this many seconds after they were issued:
# a partner that has not synced for longer starts again with a full sync.
CMS_SYNC_TOKEN_MAX_AGE = env_number("CMS_SYNC_TOKEN_MAX_AGE", 30 * 24 * 3600)
# The sync's change log keeps what rounds begun this many days back still read
# (cms/sync/prune.py, `manage.py prune_sync`); an older round's token asks for a full resync.
CMS_SYNC_RETENTION_DAYS = env_number("CMS_SYNC_RETENTION_DAYS", 90)
if CMS_SYNC_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        f"CMS_SYNC_RETENTION_DAYS must be 1 or more; it is {CMS_SYNC_RETENTION_DAYS}."
    )
# Hot ranking (cms/counting/ranking.py, docs/editors-guide/README.md): how fast attention and
# stories fade, how much a share weighs against a view, the weighted engagement that scores
# 50, the days counted.
CMS_HOT_HALF_LIFE_HOURS = env_number("CMS_HOT_HALF_LIFE_HOURS", 24, float)
CMS_HOT_AGE_HALF_LIFE_HOURS = env_number("CMS_HOT_AGE_HALF_LIFE_HOURS", 72, float)
CMS_HOT_SHARE_WEIGHT = env_number("CMS_HOT_SHARE_WEIGHT", 5, float)
CMS_HOT_SATURATION = env_number("CMS_HOT_SATURATION", 200, float)
CMS_HOT_WINDOW_DAYS = env_number("CMS_HOT_WINDOW_DAYS", 7)
# Engagement (views + shares × CMS_HOT_SHARE_WEIGHT) after a story's estimate at which the
# estimate and the readers' score weigh the same (cms/counting/ranking.py); 0 ignores estimates.
CMS_HOT_PRIOR_WEIGHT = env_number("CMS_HOT_PRIOR_WEIGHT", 200, float)
# CORS (django-cors-headers; docs/graphql.md "Browsers on other origins"): which origins
# pages may read the public API (GraphQL, feeds, sitemaps, media) from a browser. Exact
# origins, comma-separated (`*`: any origin); in development (DJANGO_DEBUG) any localhost
# port too, for Vite and Next dev servers. Nothing else: the admin is never cross-origin.
CMS_CORS_ALLOWED_ORIGINS = env_list("CMS_CORS_ALLOWED_ORIGINS")
for _origin in CMS_CORS_ALLOWED_ORIGINS:
    _parts = urlsplit(_origin)
    if _origin != "*" and (
        _parts.scheme not in ("http", "https")
        or not _parts.netloc
        or _origin != f"{_parts.scheme}://{_parts.netloc}"
    ):
        raise ImproperlyConfigured(
            f"CMS_CORS_ALLOWED_ORIGINS: {_origin!r} is not an origin; write each as "
            "scheme://host[:port], with no path or trailing slash (or * for any origin)."
        )
CORS_ALLOW_ALL_ORIGINS = "*" in CMS_CORS_ALLOWED_ORIGINS
CORS_ALLOWED_ORIGINS = [origin for origin in CMS_CORS_ALLOWED_ORIGINS if origin != "*"]
CORS_ALLOWED_ORIGIN_REGEXES = (
    [r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$"] if DEBUG else []
)
CORS_URLS_REGEX = r"^/(graphql$|feeds/|sitemap\.xml$|sitemaps/|media/)"
# No cookies cross origins: the API reads no session, and a key travels in Authorization.
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
CORS_ALLOW_HEADERS = (
    "accept",
    "accept-language",
    "authorization",
    "cache-control",
    "content-type",
    "if-none-match",
    "preview-token",
)
# What a page's script may read of an answer besides the CORS-safelisted headers.
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Content-Language",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
    "X-Request-ID",
    "Cache-Status",
)
# How long a browser may reuse a preflight's answer (Chromium keeps one 2 hours at most).
CORS_PREFLIGHT_MAX_AGE = env_number("CMS_CORS_PREFLIGHT_MAX_AGE", 7200)

# Persisted queries: folders of registered .graphql documents, and allow-list mode.
GRAPHQL_DOCUMENT_DIRS = env_list("GRAPHQL_DOCUMENT_DIRS")
GRAPHQL_PERSISTED_ONLY = env_bool("GRAPHQL_PERSISTED_ONLY")

# The edge cache in front (api/caching/edge.py, purge.py; docs/operations/edge.md):
# how long edges keep an answer, serve it stale, and which purge API they are told through.
CMS_EDGE_MAX_AGE = env_number("CMS_EDGE_MAX_AGE", 3600)
CMS_EDGE_STALE_WHILE_REVALIDATE = env_number("CMS_EDGE_STALE_WHILE_REVALIDATE", 30)
CMS_EDGE_STALE_IF_ERROR = env_number("CMS_EDGE_STALE_IF_ERROR", 86400)
CMS_EDGE_MAX_KEYS = env_number("CMS_EDGE_MAX_KEYS", 128)
CMS_EDGE_MAX_HEADER_BYTES = env_number("CMS_EDGE_MAX_HEADER_BYTES", 16000)
CMS_EDGE_PURGE_BACKEND = os.environ.get("CMS_EDGE_PURGE_BACKEND", "none").strip() or "none"
if CMS_EDGE_PURGE_BACKEND not in {"none", "varnish", "fastly", "cloudflare"}:
    raise ImproperlyConfigured(
        "CMS_EDGE_PURGE_BACKEND must be none, varnish, fastly or cloudflare, not "
        f"{CMS_EDGE_PURGE_BACKEND!r}."
    )
# Varnish: the addresses (host:port) of every Varnish that caches the API.
CMS_EDGE_VARNISH_URLS = env_list("CMS_EDGE_VARNISH_URLS", "http://127.0.0.1:6081")
CMS_EDGE_FASTLY_API_URL = os.environ.get("CMS_EDGE_FASTLY_API_URL", "https://api.fastly.com")
CMS_EDGE_FASTLY_SERVICE_ID = os.environ.get("CMS_EDGE_FASTLY_SERVICE_ID", "")
CMS_EDGE_FASTLY_API_TOKEN = os.environ.get("CMS_EDGE_FASTLY_API_TOKEN", "")
CMS_EDGE_CLOUDFLARE_API_URL = os.environ.get(
    "CMS_EDGE_CLOUDFLARE_API_URL", "https://api.cloudflare.com"
)
CMS_EDGE_CLOUDFLARE_ZONE_ID = os.environ.get("CMS_EDGE_CLOUDFLARE_ZONE_ID", "")
CMS_EDGE_CLOUDFLARE_API_TOKEN = os.environ.get("CMS_EDGE_CLOUDFLARE_API_TOKEN", "")
CMS_EDGE_PURGE_TIMEOUT = env_number("CMS_EDGE_PURGE_TIMEOUT", 5, float)

CMS_BENCH_VIEWS = env_bool("CMS_BENCH_VIEWS")

# Limits checked before a GraphQL document runs (docs/graphql.md: "Limits").
GRAPHQL_MAX_DOCUMENT_BYTES = env_number("GRAPHQL_MAX_DOCUMENT_BYTES", 8192)
GRAPHQL_MAX_TOKENS = env_number("GRAPHQL_MAX_TOKENS", 1000)
GRAPHQL_MAX_DEPTH = env_number("GRAPHQL_MAX_DEPTH", 8)
GRAPHQL_MAX_ALIASES = env_number("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_COST = env_number("GRAPHQL_MAX_COST", 10000)
# What each word of a `search` adds to a query's cost (docs/graphql.md: "Limits").
GRAPHQL_SEARCH_COST = env_number("GRAPHQL_SEARCH_COST", 100)
CMS_MAX_BODY_BYTES = env_number("CMS_MAX_BODY_BYTES", 65536)
# JSON in `variables` and `extensions` is refused past these, before anything else runs.
GRAPHQL_MAX_VARIABLES_DEPTH = env_number("GRAPHQL_MAX_VARIABLES_DEPTH", 16)
GRAPHQL_MAX_VARIABLES_VALUES = env_number("GRAPHQL_MAX_VARIABLES_VALUES", 10000)
# Requests per client address per window, for callers without a key; cache hits are free.
CMS_RATE_LIMIT = env_number("CMS_RATE_LIMIT", 300)
CMS_RATE_LIMIT_WINDOW = env_number("CMS_RATE_LIMIT_WINDOW", 60)
# recordView / recordShare count a client once per story within this many seconds (an
# address, IPv6 by its /64). Where the reader site's own server calls the API for its
# readers (every call from one address), it sends each reader's id in `X-Reader-Id` and
# CMS_TRUST_READER_ID=1 makes that the client instead: only for a deployment whose edge
# strips the header from everyone else, since a client choosing its id counts as many.
# /readyz runs its checks at most once per this many seconds in a process; probes in
# between get the last answer.
CMS_READYZ_CACHE_SECONDS = env_number("CMS_READYZ_CACHE_SECONDS", 1.0, float)
CMS_COUNT_WINDOW = env_number("CMS_COUNT_WINDOW", 1800)
CMS_TRUST_READER_ID = env_bool("CMS_TRUST_READER_ID", False)
# How many proxies in front of the app append to X-Forwarded-For (0: use the peer address).
CMS_TRUSTED_PROXY_COUNT = env_number("CMS_TRUSTED_PROXY_COUNT", 0)
CMS_LOGIN_FAILURE_LIMIT = env_number("CMS_LOGIN_FAILURE_LIMIT", 5)
CMS_LOGIN_FAILURE_WINDOW = env_number("CMS_LOGIN_FAILURE_WINDOW", 900)

# Webhooks may go to private and loopback addresses: for local development only
# (docs/partners.md, "Webhooks").
CMS_WEBHOOK_ALLOW_PRIVATE = env_bool("CMS_WEBHOOK_ALLOW_PRIVATE")

# Search: terms a search keeps (the rest are ignored), up to how many matches it counts
# exactly (beyond, totalCount is a lower bound and says so), and up to how many matches
# PostgreSQL lists from the index (beyond, the story list is walked: cms/search/engine.py).
CMS_SEARCH_MAX_WORDS = env_number("CMS_SEARCH_MAX_WORDS", 8)
CMS_SEARCH_EXACT_COUNT = env_number("CMS_SEARCH_EXACT_COUNT", 1000)
CMS_SEARCH_PROBE_LIMIT = env_number("CMS_SEARCH_PROBE_LIMIT", 8000)

# Deployment hardening. DJANGO_HTTPS=1 when served over HTTPS (as in production).
HTTPS = env_bool("DJANGO_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    # Written to a temporary name and moved into place: no half-written file (cms/core/storage.py).
    "default": {"BACKEND": "cms.core.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Images (docs/operations/production.md, "Images in production"): originals and their
# renditions go through the default storage, the filesystem under var/media/, or an
# S3-compatible bucket (needs django-storages[s3]).
MEDIA_ROOT = Path(os.environ.get("CMS_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
CMS_MEDIA_URL = os.environ.get("CMS_MEDIA_URL", "http://127.0.0.1:8000/media/")
CMS_MEDIA_S3_BUCKET = os.environ.get("CMS_MEDIA_S3_BUCKET", "")
if CMS_MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CMS_MEDIA_S3_BUCKET,
            "endpoint_url": os.environ.get("CMS_MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CMS_MEDIA_S3_REGION") or None,
            "custom_domain": os.environ.get("CMS_MEDIA_S3_CUSTOM_DOMAIN") or None,
            "file_overwrite": False,
            # The bucket stays private: /media/ streams files to those who may see them
            # (api/media.py); any address the storage itself gives is signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
CMS_IMAGE_MAX_BYTES = env_number("CMS_IMAGE_MAX_BYTES", 20 * 1024 * 1024)
CMS_IMAGE_MAX_PIXELS = env_number("CMS_IMAGE_MAX_PIXELS", 40_000_000)
# Every rendition format must be able to hold the image: WebP's sides stop at 16,383
# pixels. An image far longer than it is wide (a 100 × 70,000 strip) makes renditions
# no page can use; uploads beyond this ratio of the long side to the short are refused.
CMS_IMAGE_MAX_SIDE = env_number("CMS_IMAGE_MAX_SIDE", 16_383)
CMS_IMAGE_MAX_ASPECT = env_number("CMS_IMAGE_MAX_ASPECT", 10)
CMS_IMAGE_WIDTHS = [int(width) for width in env_list("CMS_IMAGE_WIDTHS", "320,640,960,1280,1920")]
# The `sizes` of images placed in an analysis: how wide the reader site shows them.
CMS_FIGURE_SIZES = os.environ.get("CMS_FIGURE_SIZES", "(max-width: 48rem) 100vw, 48rem")
FILE_UPLOAD_PERMISSIONS = 0o644
# The publisher's logo in structured data (an absolute address; empty: none).
CMS_PUBLISHER_LOGO_URL = os.environ.get("CMS_PUBLISHER_LOGO_URL", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Operations (docs/operations/metrics.md): /metrics, /readyz's thresholds, tracing, log format.
CMS_METRICS_TOKEN = os.environ.get("CMS_METRICS_TOKEN", "")
CMS_READYZ_MAX_REPLICA_LAG = env_number("CMS_READYZ_MAX_REPLICA_LAG", 30, float)
CMS_READYZ_MAX_TASK_BACKLOG = env_number("CMS_READYZ_MAX_TASK_BACKLOG", 1000)
# /readyz fails when a due task has waited longer than this (no worker, or one stuck).
CMS_READYZ_MAX_TASK_DELAY = env_number("CMS_READYZ_MAX_TASK_DELAY", 60, float)
CMS_READYZ_TIMEOUT_MS = env_number("CMS_READYZ_TIMEOUT_MS", 1000)
_OTEL_ASKED = (
    any(
        os.environ.get(name)
        for name in (
            "OTEL_TRACES_EXPORTER",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        )
    )
    and os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() != "none"
    and not env_bool("OTEL_SDK_DISABLED")
)
CMS_OTEL = env_bool("CMS_OTEL", _OTEL_ASKED)

LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "").strip().lower() or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be plain or json; it is {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "api.ops.logs.RequestIdFilter"},
        # Request lines of `runserver` lose their query string: feed tokens travel in it.
        "without_query": {"()": "api.logfilters.WithoutQueryString"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "api.ops.logs.JsonFormatter"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server" if LOG_FORMAT == "plain" else "json",
            "filters": ["request_id"],
        },
    },
    "loggers": {
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "filters": ["without_query"],
            "propagate": False,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
