"""Sitemaps for search engines, on Django's sitemaps framework, and the robots.txt that
names them.

- `/sitemap.xml`: the sitemap index, listing every page of the sitemaps below.
- `/sitemaps/<language>.xml`: the stories that have a version in that language, each at
  its canonical address on the reader site (`CMS_STORY_URL`) with every language it
  exists in as an `hreflang` alternate, and `x-default` (the default language's version,
  else the original's).
- `/sitemaps/news-<language>.xml`: Google News sitemaps: that language's stories
  published in the last two days, at most 1,000, newest first.

Stories come from `Story.objects.readable` (the one visibility rule: drafts, scheduled and
expired stories are never listed) and are read through `cms.serving.stories`, a page in a
constant number of queries. Answers are cached like every public answer: in the response
cache under the `stories` dependency (any change of a story's visibility or content bumps
it), with an ETag, `Cache-Control`, and edge surrogate keys (`api.caching.edge`); none
outlives the next scheduled publication or expiry (`make_entry`).
"""

import hashlib
from datetime import timedelta
from functools import partial, wraps

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from api.caching import keys, responses, versions
from api.graphql_http import ratelimit
from api.graphql_http.refusals import RequestError
from api.graphql_http.responses import from_entry
from cms.core import languages
from cms.core.text import fit
from cms.models import Story
from cms.serving import stories as serving
from cms.serving.audience import Audience

# URLs per sitemap page; the protocol allows 50,000, smaller pages render faster.
PAGE_SIZE = 5000
# Google News: articles of the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_SIZE = 1000
# Google News names Simplified Chinese `zh-cn` (and Traditional `zh-tw`); the others
# take their ISO 639 code.
NEWS_LANGUAGES = {"zh-hans": "zh-cn", "zh-hant": "zh-tw"}


def whole_seconds(value):
    """A time without its fraction of a second: the W3C datetimes of `lastmod` and
    `news:publication_date` may carry one, but sitemap readers (the npm `sitemap` parser)
    refuse it and drop the entry."""
    return value.replace(microsecond=0) if value is not None else None


def section_language(section):
    """The language a sitemap section is written for (`en`, `news-zh-hans`); the index,
    for every language, names them all."""
    if section is None:
        return ", ".join(languages.codes())
    return section.removeprefix("news-")


def news_language(code):
    """The `news:language` of a site language code."""
    return NEWS_LANGUAGES.get(code.lower(), code.split("-")[0].lower())


class StorySitemap(Sitemap):
    """Every readable story with a version in `language`, newest first."""

    limit = PAGE_SIZE

    def __init__(self, language):
        self.language = language
        self.audience = Audience.of(language)

    def items(self):
        # Only stories written in the language: a fallback page is another language's.
        stories = Story.objects.readable(self.audience).in_chain((self.language,))
        return stories.order_by("-published_at", "-id")

    def get_latest_lastmod(self):
        # Without Max over the whole list, which the framework would compute per item.
        return whole_seconds(self.items().aggregate(latest=Max("updated_at"))["latest"])

    def get_urls(self, page=1, site=None, protocol=None):
        """The page's URLs at their canonical addresses (absolute already, on the reader
        site: the request's host is not theirs), with their languages as alternates."""
        stories = self.paginator.page(page).object_list
        urls = [self.url_info(served) for served in serving.serve(stories, self.audience)]
        lastmods = [url["lastmod"] for url in urls if url["lastmod"]]
        self.latest_lastmod = max(lastmods) if lastmods else None
        return urls

    def url_info(self, served):
        codes = served.available_languages
        alternates = [
            {"lang_code": code, "location": served.story.get_absolute_url(code)} for code in codes
        ]
        if codes:
            default = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in codes else None
            default = default or served.story.original_language
            default = default if default in codes else codes[0]
            alternates.append(
                {"lang_code": "x-default", "location": served.story.get_absolute_url(default)}
            )
        return {
            "item": served,
            "location": served.url,
            "lastmod": whole_seconds(served.updated_at),
            "changefreq": None,
            "priority": "",
            "alternates": alternates,
        }


class NewsSitemap(StorySitemap):
    """Google News: the language's stories of the last two days, at most 1,000."""

    limit = NEWS_SIZE

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return super().items().filter(published_at__gte=since)[:NEWS_SIZE]

    def get_latest_lastmod(self):
        return whole_seconds(
            Story.objects.filter(pk__in=list(self.items().values_list("pk", flat=True))).aggregate(
                latest=Max("updated_at")
            )["latest"]
        )

    def url_info(self, served):
        info = super().url_info(served)
        info["news"] = {
            "name": settings.CMS_PUBLISHER_NAME,
            "language": news_language(self.language),
            "publication_date": whole_seconds(served.published_at),
            # A stored row written around the text rule still makes well-formed XML.
            "title": fit(served.translation.title),
        }
        return info


def sections():
    """Section name to sitemap (built per request): one per language, and its news."""
    found = {}
    for code in languages.codes():
        found[code] = partial(StorySitemap, code)
    for code in languages.codes():
        found[f"news-{code}"] = partial(NewsSitemap, code)
    return found


def _section_view(request, section):
    maps = sections()
    if section not in maps:
        raise Http404("No such sitemap.")
    template = "sitemaps/news.xml" if section.startswith("news-") else "sitemap.xml"
    return sitemap_views.sitemap(request, maps, section=section, template_name=template)


def _index_view(request):
    return sitemap_views.index(request, sections(), sitemap_url_name="sitemap")


MAX_PAGE_DIGITS = 18


def cached(view):
    """Serve `view`'s answer from the response cache, invalidated with the story list."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # Keyed by what the answer depends on (a section's page `p`; the index reads
        # nothing) and nothing else: any other query string would make a new entry for the
        # same bytes. The edge keys them alike (deploy/varnish/default.vcl).
        pages = request.GET.getlist("p") if kwargs.get("section") else []
        if len(pages) > 1:
            # Which one Django reads would depend on their order: no such page.
            raise Http404("Give the page `p` once.")
        page = pages[0] if pages else "1"
        # No sitemap has a page of more digits (and Python refuses to read 4,300 of them):
        # such a page is the view's 404, never stored.
        if page.strip().isdecimal() and len(page) <= MAX_PAGE_DIGITS:
            page = str(int(page))
        material = f"{request.scheme}://{request.get_host()}{request.path}?p={page}"
        key = "sitemap:" + hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
        entry = responses.lookup(key)
        stored = None
        if entry is None:
            try:
                # A render spends the client's budget, as a GraphQL miss does.
                ratelimit.take_or_refuse(request)
            except RequestError as error:
                refused = HttpResponse(error.message, status=429, content_type="text/plain")
                for name, value in error.headers.items():
                    refused[name] = value
                return refused
            started = versions.generation()
            response = view(request, *args, **kwargs)
            response.render()
            if response.status_code != 200:
                return response
            # The document's language, not the caller's Accept-Language.
            entry = responses.make_entry(
                response.content,
                200,
                response["Content-Type"],
                content_language=section_language(kwargs.get("section")),
            )
            responses.store(key, entry, [keys.STORIES], started)
            stored = "miss"
        response = from_entry(request, entry, stored=stored)
        response["X-Robots-Tag"] = "noindex, noarchive"
        return response

    return require_safe(wrapped)


index = cached(_index_view)
sitemap = cached(_section_view)


@require_safe
def robots_txt(request):
    """robots.txt: the API is not for crawling, but its sitemaps are."""
    base = f"{request.scheme}://{request.get_host()}"
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /graphql",
        "Allow: /sitemap.xml",
        "Allow: /sitemaps/",
        "",
        f"Sitemap: {base}{reverse('sitemap-index')}",
    ]
    lines += [
        f"Sitemap: {base}{reverse('sitemap', kwargs={'section': section})}"
        for section in sections()
        if section.startswith("news-")
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
