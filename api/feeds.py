"""RSS 2.0, Atom and JSON Feed 1.1 for each language, optionally one tag, on Django's
syndication framework. Anonymous readers get summaries; keys with `full_text` get the analysis."""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from urllib.parse import quote, urlencode

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import conditional_page

from api import feed_disclosure, feed_live, feed_media, feed_tags
from api.caching import edge
from api.graphql_http import auth, ratelimit
from api.graphql_http.refusals import RequestError
from cms.core import languages, sharing
from cms.core.text import fit_value
from cms.models import Story
from cms.serving import stories as serving
from cms.serving.audience import Audience

FEED_SIZE = 50


def entry_language(item):
    """`xml:lang` for an entry served in another language than its feed's (its fallback)."""
    language = item.get("language")
    return {"xml:lang": language} if language and language != item.get("feed_language") else {}


def whole_seconds(value):
    """A time without its fraction of a second: RFC 3339 and W3C datetimes allow one, but
    feed and sitemap readers (the npm `sitemap` parser, some Atom readers) refuse it."""
    return value.replace(microsecond=0) if isinstance(value, datetime) else value


class FitText:
    """Every text a feed is given passes through the one text rule's normaliser
    (`cms.core.text.fit`): a row stored before the rule, or written around it, may hold a
    character XML cannot carry, and one story must never make every feed answer 500.
    Every time is written in whole seconds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*fit_value(list(args)), **fit_value(kwargs))

    def add_item(self, *args, **kwargs):
        kwargs = {name: whole_seconds(value) for name, value in kwargs.items()}
        super().add_item(*fit_value(list(args)), **fit_value(kwargs))

    def latest_post_date(self):
        # Without items, Django's answer is the current time, fraction included.
        return whole_seconds(super().latest_post_date())


class RssWithAlternates(FitText, Rss201rev2Feed):
    """RSS 2.0 whose items name their other languages with atom:link rel=alternate, and the
    cited publication with `<source url>`."""

    def root_attributes(self):
        # As in Atom: entries inherit the feed's language, unless they say their own.
        attributes = {**super().root_attributes(), **feed_disclosure.root_attributes()}
        if self.feed["language"]:
            attributes["xml:lang"] = self.feed["language"]
        return {**attributes, **feed_media.rss_namespaces()}

    def item_attributes(self, item):
        return {**super().item_attributes(item), **entry_language(item)}

    def add_item_elements(self, handler, item):
        # Other languages first: readers take the last alternate link as the item's own.
        for code, url in item.get("alternates", {}).items():
            handler.addQuickElement(
                "atom:link", "", {"rel": "alternate", "hreflang": code, "href": url}
            )
        super().add_item_elements(handler, item)
        name, url = item.get("source") or ("", "")
        if name and url:
            # RSS 2.0 requires the url attribute; a source without any address is left out.
            handler.addQuickElement("source", name, {"url": url})
        feed_media.rss_elements(handler, item)
        feed_disclosure.write(handler, item)


class AtomWithAlternates(FitText, Atom1Feed):
    """Atom whose entries link their other languages with rel=alternate hreflang."""

    def root_attributes(self):
        return {**super().root_attributes(), **feed_disclosure.root_attributes()}

    def item_attributes(self, item):
        return {**super().item_attributes(item), **entry_language(item)}

    def add_item_elements(self, handler, item):
        # The entry's own link (Django writes it first) before its other languages: readers
        # that take the first rel=alternate link (rss-parser, @rowanmanning/feed-parser,
        # most others) open the page in the feed's language. feedparser takes the last one
        # as `entry.link`; its `entry.links` lists them all, the own one without hreflang.
        super().add_item_elements(handler, item)
        for code, url in item.get("alternates", {}).items():
            handler.addQuickElement("link", "", {"rel": "alternate", "hreflang": code, "href": url})
        feed_media.atom_elements(handler, item)
        feed_disclosure.write(handler, item)


class JsonFeed(FitText, SyndicationFeed):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding):
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.feed["title"],
            "home_page_url": self.feed["link"],
            "feed_url": self.feed["feed_url"],
            "description": self.feed["description"],
            "language": self.feed["language"],
            "items": [self._item(item) for item in self.items],
        }
        outfile.write(json.dumps(feed, ensure_ascii=False, indent=1).encode(encoding))

    @staticmethod
    def _item(item):
        entry = {
            "id": item["unique_id"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item["content_html"],
            "summary": item["summary"],
            "date_published": item["pubdate"].isoformat(),
            "date_modified": item["updateddate"].isoformat(),
            "tags": item["categories"],
            "language": item["language"],
        }
        entry.update(feed_media.json_fields(item))
        if item.get("alternates"):
            entry["_alternates"] = item["alternates"]
        if item.get("disclosure"):
            entry["_disclosure"] = feed_disclosure.json_extension(item)
        return entry


@dataclass
class Selection:
    audience: Audience
    tag: str | None
    feed_url: str
    tag_name: str | None = None

    @property
    def guid(self):
        """The feed's Atom `<id>`: its language and tag, so that a tag's feed is never taken
        for the whole feed (nor one language's for another's), on any host."""
        guid = f"urn:ainews:feed:{self.audience.language}"
        return f"{guid}:tag:{quote(self.tag, safe='')}" if self.tag else guid


def one_tag(request):
    """The feed's tag (`?tag=`), or None. Nothing else in the query string changes a feed,
    and the edge keys feeds by `tag` alone (deploy/varnish/default.vcl); a tag given twice
    is refused, so that no order of parameters picks another feed."""
    tags = request.GET.getlist("tag")
    if len(tags) > 1:
        raise RequestError(400, _("A feed takes one tag: give `tag` once."))
    return tags[0] if tags and tags[0] else None


class StoryFeed(Feed):
    """The newest published stories in one language (and tag)."""

    feed_type = RssWithAlternates

    def __call__(self, request, *args, **kwargs):
        # get_object() switches to the feed's language; give the request's back afterwards.
        try:
            with translation.override(translation.get_language()):
                response = super().__call__(request, *args, **kwargs)
            # The feed's language, whatever the caller's Accept-Language asked for (which
            # LocaleMiddleware would otherwise name).
            response["Content-Language"] = request.feed_language
            return feed_tags.cache_headers(request, edge.apply_to_feed(request, response))
        except RequestError as error:
            response = HttpResponse(error.message, status=error.status, content_type="text/plain")
            for name, value in error.headers.items():
                response[name] = value
            return response

    def get_object(self, request, language):
        code = languages.normalize(language)
        if code is None:
            raise RequestError(404, _("No feed in that language."), code="NOT_FOUND")
        # Feed readers rarely send headers, so a key's feed token may come as ?token=.
        key = auth.authenticate_feed(request)
        if key is not None:
            auth.take_quota(key)
        else:
            # Every feed answer is rendered (none is stored here): each spends the client's
            # budget, as a GraphQL miss does.
            ratelimit.take_or_refuse(request)
        request.feed_is_private = key is not None
        audience = Audience.of(code, key)
        tag = one_tag(request)
        tag_name = feed_tags.served_name(tag, audience) if tag else None
        translation.activate(code)
        request.feed_language = code
        # The feed's own address names its tag (and nothing else: never a feed token).
        own = request.path + (f"?{urlencode({'tag': tag})}" if tag else "")
        return Selection(audience, tag, request.build_absolute_uri(own), tag_name)

    def title(self, obj):
        if obj.tag:
            return _("AI News: %(tag)s") % {"tag": obj.tag_name}
        return _("AI News")

    def description(self, obj):
        return _("The newest AI news stories.")

    def link(self, obj):
        return sharing.home_url(obj.audience.language)

    def feed_url(self, obj):
        return obj.feed_url

    def feed_guid(self, obj):
        return obj.guid

    def items(self, obj):
        stories = Story.objects.readable(obj.audience)
        if obj.tag:
            stories = stories.with_tag(obj.tag)
        page = stories.select_related("source").order_by("-published_at", "-id")[:FEED_SIZE]
        return serving.serve(page, obj.audience)

    def item_title(self, item):
        return item.translation.title

    def item_link(self, item):
        return item.url

    def item_guid(self, item):
        return story_guid(item)

    item_guid_is_permalink = False

    def item_description(self, item):
        return _content_html(item)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return feed_live.updated(item)

    def item_categories(self, item):
        return [tag.name for tag in item.tags]

    def item_extra_kwargs(self, item):
        return {
            "alternates": item.alternates,
            "content_html": _content_html(item),
            "summary": item.translation.summary,
            "language": item.language,
            "feed_language": item.batch.audience.language,
            "source": (item.source_name, item.story.cited_url),
            **feed_media.item_fields(item),
            "disclosure": item.disclosure,
        }


def story_guid(item):
    """The entry's id: the story in the feed's language, whatever language serves it and
    however often it is edited, so a reader never sees one story twice in a feed."""
    return f"urn:ainews:story:{item.pk}:{item.batch.audience.language}"


def _content_html(item):
    """Summary (or, for full-text keys, the analysis), source and the AI disclaimer."""
    with translation.override(item.language):
        # The explicit label opens the entry, so that copies of it keep it.
        parts = [feed_disclosure.label_html(item.disclosure)]
        parts.append(f"<p>{escape(item.translation.summary)}</p>")
        # Feeds carry the analysis for keys holding `full_text` only: anonymous feed
        # readers get summaries (the API itself serves them the analysis).
        full_text = not item.batch.audience.is_public and item.analysis_served
        if full_text and item.translation.analysis_html:
            parts.append(item.translation.analysis_html)
        parts += feed_live.html(item)
        if item.source_name:
            url = item.story.cited_url
            label = escape(_("Source: %(name)s") % {"name": item.source_name})
            parts.append(
                f'<p><a href="{escape(url)}">{label}</a></p>' if url else f"<p>{label}</p>"
            )
        parts += feed_media.corrections_html(item)
        if item.disclaimer:
            parts.append(f"<p><em>{escape(item.disclaimer)}</em></p>")
    return "\n".join(parts)


class AtomStoryFeed(StoryFeed):
    feed_type = AtomWithAlternates

    def subtitle(self, obj):
        return self.description(obj)


class JsonStoryFeed(StoryFeed):
    feed_type = JsonFeed


def head_like_get(view):
    """HEAD answers as GET does (validators and length included), without the body.

    Django's conditional handling only looks at GET, so HEAD is run as a GET.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"
        length = len(response.content)
        response.content = b""
        if response.status_code == 200:
            response["Content-Length"] = str(length)
        return response

    return wrapped


rss = head_like_get(conditional_page(StoryFeed()))
atom = head_like_get(conditional_page(AtomStoryFeed()))
json_feed = head_like_get(conditional_page(JsonStoryFeed()))
