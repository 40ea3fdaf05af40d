from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from api import aigc_namespace, feeds, home, media, ninjs, sitemaps, sync
from api.graphql_http.view import graphql_view
from api.ops.exposition import metrics_view

urlpatterns = [
    path("", home.landing, name="home"),
    path("favicon.ico", home.favicon, name="favicon"),
    path("graphql", graphql_view, name="graphql"),
    path("feeds/<str:language>/rss.xml", feeds.rss, name="feed-rss"),
    path("feeds/<str:language>/atom.xml", feeds.atom, name="feed-atom"),
    path("feeds/<str:language>/feed.json", feeds.json_feed, name="feed-json"),
    path("ninjs/schema/<str:version>.json", ninjs.schema, name="ninjs-schema"),
    path("ninjs/<str:language>/<str:slug>.json", ninjs.story, name="ninjs-story"),
    re_path(r"^ninjs/(?P<rest>[\s\S]*)\Z", ninjs.unknown),
    path("media/<path:name>", media.serve, name="media"),
    path("sync", sync.sync, name="sync"),
    path("sitemap.xml", sitemaps.index, name="sitemap-index"),
    path("sitemaps/<str:section>.xml", sitemaps.sitemap, name="sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    path(settings.AIGC_NAMESPACE_PATH[1:], aigc_namespace.document, name="aigc-namespace"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("metrics", metrics_view, name="metrics"),
]

# A refused step is the admin's own page in the admin's language, naming who may take it.
handler403 = "cms.admin.refusals.permission_denied"

# The benchmark's yardstick views (bench/), only when a benchmark run asks for them.
if settings.CMS_BENCH_VIEWS:
    urlpatterns.append(path("bench/", include("bench.urls")))

# A temporary failure raised anywhere in the stack is a 503 with Retry-After, not a 500.
handler500 = "api.ops.unavailable.server_error"
