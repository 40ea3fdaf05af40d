"""RSS 2.0, Atom and JSON Feed 1.1 for each language, optionally one tag, on Django's
syndication framework. Anonymous readers get summaries; keys with `full_text` get the analysis."""

import json
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import conditional_page

from api import auth
from api.caching import edge
from api.graphql_http import request as http
from api.schema.context import Context
from api.schema.loaders import StoryBatch
from cms import languages, sharing
from cms.models import Scope

FEED_SIZE = 50


@dataclass
class Item:
    story: object
    translation: object
    source_name: str
    tags: list
    alternates: dict
    full_text: bool


class RssWithAlternates(Rss201rev2Feed):
    """RSS 2.0 whose items name their other languages with atom:link rel=alternate."""

    def add_item_elements(self, handler, item):
        # Other languages first: readers take the last alternate link as the item's own.
        for code, url in item.get("alternates", {}).items():
            handler.addQuickElement(
                "atom:link", "", {"rel": "alternate", "hreflang": code, "href": url}
            )
        super().add_item_elements(handler, item)


class AtomWithAlternates(Atom1Feed):
    """Atom whose entries link their other languages with rel=alternate hreflang."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for code, url in item.get("alternates", {}).items():
            handler.addQuickElement("link", "", {"rel": "alternate", "hreflang": code, "href": url})


class JsonFeed(SyndicationFeed):
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
        if item.get("author_name"):
            entry["authors"] = [{"name": item["author_name"]}]
        if item.get("alternates"):
            entry["_alternates"] = item["alternates"]
        return entry


@dataclass
class Selection:
    language: str
    tag: str | None
    context: Context
    feed_url: str


class StoryFeed(Feed):
    """The newest published stories in one language (and tag)."""

    feed_type = RssWithAlternates

    def __call__(self, request, *args, **kwargs):
        # get_object() switches to the feed's language; give the request's back afterwards.
        try:
            with translation.override(translation.get_language()):
                return edge.apply_to_feed(request, super().__call__(request, *args, **kwargs))
        except http.RequestError as error:
            response = HttpResponse(error.message, status=error.status, content_type="text/plain")
            for name, value in error.headers.items():
                response[name] = value
            return response

    def get_object(self, request, language):
        code = languages.normalize(language)
        if code is None:
            raise Http404(_("No feed in that language."))
        key = None
        if "Authorization" in request.headers or "key" in request.GET:
            # Feed readers rarely send headers, so a key may come as ?key= too.
            key = auth.authenticate(request, request.GET.get("key"))
            auth.take_quota(key)
        translation.activate(code)
        return Selection(
            code,
            request.GET.get("tag") or None,
            Context(request, key),
            request.build_absolute_uri(request.path),
        )

    def title(self, obj):
        if obj.tag:
            return _("AI News: %(tag)s") % {"tag": obj.tag}
        return _("AI News")

    def description(self, obj):
        return _("The newest AI news stories.")

    def link(self, obj):
        return sharing.home_url(obj.language)

    def feed_url(self, obj):
        return obj.feed_url

    def items(self, obj):
        stories = obj.context.stories(obj.language)
        if obj.tag:
            stories = stories.with_tag(obj.tag)
        page = list(stories.select_related("source").order_by("-published_at", "-id")[:FEED_SIZE])
        batch = StoryBatch(page, obj.language, obj.context)
        full_text = obj.context.key is not None and obj.context.key.has_scope(Scope.FULL_TEXT)
        items = []
        for story in page:
            served = batch.translations[story.pk]
            alternates = {
                code: sharing.canonical_url(story.slug, code)
                for code in batch.available_languages.get(story.pk, [])
                if code != served.language_code
            }
            items.append(
                Item(
                    story=story,
                    translation=served,
                    source_name=batch.source_names.get(story.source_id, "")
                    if story.source_id
                    else "",
                    tags=[tag.name for tag in batch.tags.get(story.pk, [])],
                    alternates=alternates,
                    full_text=full_text,
                )
            )
        return items

    def item_title(self, item):
        return item.translation.title

    def item_link(self, item):
        return sharing.canonical_url(item.story.slug, item.translation.language_code)

    def item_guid(self, item):
        return f"urn:ainews:story:{item.story.pk}:{item.translation.language_code}"

    item_guid_is_permalink = False

    def item_description(self, item):
        return _content_html(item)

    def item_pubdate(self, item):
        return item.story.published_at

    def item_updateddate(self, item):
        return item.story.updated_at or item.story.published_at

    def item_author_name(self, item):
        return item.source_name or None

    def item_categories(self, item):
        return item.tags

    def item_extra_kwargs(self, item):
        return {
            "alternates": item.alternates,
            "content_html": _content_html(item),
            "summary": item.translation.summary,
            "language": item.translation.language_code,
        }


def _content_html(item):
    """Summary (or, for full-text keys, the analysis), source and the AI disclaimer."""
    with translation.override(item.translation.language_code):
        parts = [f"<p>{escape(item.translation.summary)}</p>"]
        if item.full_text and item.translation.analysis_html:
            parts.append(item.translation.analysis_html)
        if item.source_name:
            url = item.story.source_url or (
                item.story.source.homepage if item.story.source_id else ""
            )
            label = escape(_("Source: %(name)s") % {"name": item.source_name})
            parts.append(
                f'<p><a href="{escape(url)}">{label}</a></p>' if url else f"<p>{label}</p>"
            )
        if item.story.ai_generated:
            disclaimer = _(
                "Disclaimer: The above content is generated by AI and is for reference only."
            )
            parts.append(f"<p><em>{escape(disclaimer)}</em></p>")
    return "\n".join(parts)


class AtomStoryFeed(StoryFeed):
    feed_type = AtomWithAlternates

    def subtitle(self, obj):
        return self.description(obj)


class JsonStoryFeed(StoryFeed):
    feed_type = JsonFeed


rss = conditional_page(StoryFeed())
atom = conditional_page(AtomStoryFeed())
json_feed = conditional_page(JsonStoryFeed())
