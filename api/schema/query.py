"""Root query fields: every one starts from `Story.objects.readable(audience)`, via the context.

One-story lookups (`story`, `node`) start from `previewable()` when a preview token came.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Annotated

import strawberry
from django.utils import timezone
from django.utils.translation import gettext as _
from strawberry import relay
from strawberry.types import Info

from api.caching import keys, versions
from api.caching import stories as story_cache
from api.schema.errors import BadUserInput, Gone
from cms.core import compiled
from cms.core import values as bounds
from cms.counting import counters, counts
from cms.models import Story as StoryModel
from cms.search import engine as search_engine
from cms.serving import stories as serving

from . import pagination
from .pagination import PageInfo, StoryOrder
from .redirects import Redirect, resolve_redirect
from .sync import SyncPage
from .sync import resolve as resolve_sync
from .types import Story, Tag, find_stories
from .viewer import Viewer

MAX_SEARCH_LENGTH = 200
LANGUAGE_DESCRIPTION = (
    "Language code (case-insensitive), e.g. `en` or `zh-hans`. Defaults to the request's "
    "Accept-Language, then to the site's default language."
)


@strawberry.input(description="Narrows a story list; every condition given must hold.")
class StoryFilter:
    tags: list[str] | None = strawberry.field(
        default=None, description="Only stories carrying every one of these tag slugs."
    )
    source: str | None = strawberry.field(
        default=None, description="Only stories citing the source with this slug."
    )
    published_after: datetime | None = strawberry.field(
        default=None, description="Only stories published at or after this time."
    )
    published_before: datetime | None = strawberry.field(
        default=None, description="Only stories published before this time."
    )
    min_hot: int | None = strawberry.field(default=None, description="Lowest hot score, 0–100.")
    min_quality: int | None = strawberry.field(
        default=None, description="Lowest quality score, 0–100."
    )
    min_impact: int | None = strawberry.field(
        default=None, description="Lowest impact score, 0–100."
    )

    def apply(self, queryset):
        if self.tags is not None and len(self.tags) > pagination.MAX_PAGE_SIZE:
            raise BadUserInput(
                _("`tags` may list at most %(max)s tags.") % {"max": pagination.MAX_PAGE_SIZE}
            )
        for slug in self.tags or []:
            queryset = queryset.with_tag(slug)
        if self.source is not None:
            queryset = queryset.filter(source__slug=self.source)
        for bound in ("published_after", "published_before"):
            value = getattr(self, bound)
            if value is not None and value.tzinfo is None:
                raise BadUserInput(
                    _("`%(field)s` needs a time zone, e.g. 2026-01-31T08:00:00Z.")
                    % {"field": strawberry_name(bound)}
                )
            if value is not None and not bounds.time_fits(value):
                raise BadUserInput(
                    _("`%(field)s` is out of range: give a time between the years 1 and 9999 UTC.")
                    % {"field": strawberry_name(bound)}
                )
            if value is not None:
                setattr(self, bound, bounds.in_utc(value))
        if self.published_after is not None:
            queryset = queryset.filter(published_at__gte=self.published_after)
        if self.published_before is not None:
            queryset = queryset.filter(published_at__lt=self.published_before)
        for score in ("hot", "quality", "impact"):
            minimum = getattr(self, f"min_{score}")
            if minimum is None:
                continue
            if not 0 <= minimum <= 100:
                raise BadUserInput(
                    _("`%(field)s` must be between 0 and 100; it was %(value)s.")
                    % {"field": strawberry_name(f"min_{score}"), "value": minimum}
                )
            queryset = queryset.filter(**{f"{score}__gte": minimum})
        return queryset


def strawberry_name(python_name):
    head, *rest = python_name.split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.type(description="A story in a list, with the cursor that points at it.")
class StoryEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this story.")
    node: Story = strawberry.field(description="The story.")


@strawberry.type(description="A page of stories.")
class StoryConnection:
    edges: list[StoryEdge] = strawberry.field(description="The stories of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    # The whole list's QuerySet, built when asked for (a zero-argument function).
    _matching: strawberry.Private[object]
    # The maintained count, when the list is a plain one (no search or filter).
    _maintained: strawberry.Private[object] = None
    _search: strawberry.Private[object] = None
    # With a search: the stories it looks among (the engine counts from its index).
    _searched: strawberry.Private[object] = None

    @cached_property
    def _counted(self):
        if self._search is not None:
            return self._search.count(self._searched)
        if self._maintained is not None:
            found = self._maintained()
            if found is not None:
                return found, False
        return self._matching().count(), False

    @strawberry.field(
        description="How many stories the whole list holds, on every page. A search counts "
        "exactly up to a bound (1,000 matches by default); beyond it this is the bound plus "
        "one, and `totalCountIsEstimate` is true."
    )
    def total_count(self) -> int:
        return self._counted[0]

    @strawberry.field(
        description="Whether `totalCount` is only a lower bound (a search with more matches "
        "than it counts exactly): show it as “1,000+”. Always false without `search`."
    )
    def total_count_is_estimate(self) -> bool:
        return self._counted[1]


def maintained_total(context, audience, tag):
    """The maintained count of a plain list; the public's is kept with the lists."""
    if not audience.is_public:
        return counts.total(audience, tag)
    # A tag's list changes with its slug too.
    dependencies = [keys.STORIES] if tag is None else [keys.STORIES, keys.TAGS]
    return story_cache.remembered(
        context,
        ["total", audience.language, tag],
        dependencies,
        lambda: counted_with_next_change(context, audience, tag),
    )


def counted_with_next_change(context, audience, tag):
    """The maintained count; when the answer is to be stored and the shared cache does not
    know the next publication (flushed, or a story changed), the same statement reads it,
    so the answer's lifetime costs no statement of its own."""
    if context.reads is None:
        return counts.total(audience, tag)
    current, _value, version = versions.cached_next_publication(context.reads)
    if current:
        return counts.total(audience, tag)
    count, moment = counts.total_and_next_change(audience, tag)
    versions.remember_next_publication(moment, version, context.reads)
    return count


def searching(search, order_by, audience):
    """The search a list asks for, in the audience's languages; None without `search`."""
    if search is None:
        if order_by is StoryOrder.RELEVANCE:
            raise BadUserInput(_("`orderBy: RELEVANCE` needs a `search`."))
        return None
    search = search.strip()
    if not search:
        raise BadUserInput(_("`search` needs at least one word."))
    if len(search) > MAX_SEARCH_LENGTH:
        raise BadUserInput(
            _("`search` may be at most %(max)s characters long.") % {"max": MAX_SEARCH_LENGTH}
        )
    return search_engine.Search(search, audience.chain)


def narrowed(context, audience, tag, filter, now=None):
    """The stories the audience may read (at `now`), with `tag` and meeting `filter`."""
    matching = context.readable(audience, now)
    if tag is not None:
        matching = matching.with_tag(tag)
    if filter is not None:
        matching = filter.apply(matching)
    return matching


@dataclass
class ListPage:
    """A page of a list: its stories (one more than asked, to tell whether more follow),
    the whole list (a zero-argument function giving its QuerySet), and with a search the
    stories it looked among."""

    stories: list
    matching: object
    searched: object = None


def first_page(context, audience, tag, order_by, first):
    """A plain list's first page (the front page, a tag's page): its SQL is compiled once
    per process, and the list is counted only if no maintained total says."""

    def page_at(now):
        return (
            narrowed(context, audience, tag, None, now)
            .select_related("source")
            .order_by(*pagination.order_by(order_by))[: first + 1]
        )

    shape = ("stories", audience, tag, order_by, first)
    # One time for the page and, when no maintained total answers, its count.
    now = timezone.now()
    stories = compiled.fetch(StoryModel, shape, page_at, now)
    return ListPage(stories, lambda: narrowed(context, audience, tag, None, now))


def any_page(context, audience, tag, filter, finder, order_by, first, after):
    """Any other page: the search narrows the filtered list, which it counts among."""
    searched = narrowed(context, audience, tag, filter)
    found = finder.matching(searched) if finder is not None else searched
    page = finder.ranked(found) if order_by is StoryOrder.RELEVANCE else found
    page = page.select_related("source").order_by(*pagination.order_by(order_by))
    if after is not None:
        page = page.filter(
            pagination.after_filter(order_by, pagination.decode_cursor(order_by, after))
        )
    return ListPage(list(page[: first + 1]), lambda: found, searched)


def connection(context, audience, page, first, after, order_by, finder, tag, plain):
    """The served page as a connection: its stories as the audience reads them, with
    cursors, where the page sits, and how to count the whole list."""
    stories = page.stories[:first]
    context.depends_on(keys.STORIES)
    snippets = finder.page_snippets([story.pk for story in stories]) if finder else None
    context.counts.want((story.pk for story in stories), counters.stored_counts(stories))
    edges = [
        StoryEdge(
            cursor=pagination.encode_cursor(order_by, served.story),
            node=Story(_served=served, _snippets=snippets),
        )
        for served in serving.serve(stories, audience, context.observe)
    ]
    return StoryConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(page.stories) > first,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _matching=page.matching,
        _maintained=(lambda: maintained_total(context, audience, tag)) if plain else None,
        _search=finder,
        _searched=page.searched,
    )


def gone(info, language, slug):
    """The `Gone` error for a killed story at `slug` in the caller's languages, or None."""
    audience = info.context.audience_for(language)
    story = (
        StoryModel.objects.filter(slug=slug, status=StoryModel.Status.KILLED)
        .in_chain(audience.chain)
        .only("kill_notice")
        .first()
    )
    if story is None:
        return None
    notice = story.kill_notice or {}
    text = next((notice[code] for code in audience.chain if notice.get(code)), "")
    return Gone(_("This story was taken down and is gone for good."), text)


@strawberry.type(description="What readers and partners read: stories, tags and their key.")
class Query:
    @strawberry.field(
        description="One published story by slug, or null when readers cannot see it. "
        "With a valid `Preview-Token` header, also the token's story, in any workflow state. "
        "A killed story (taken down for legal or factual reasons) is null with an error whose "
        "`extensions.code` is `GONE` and `extensions.notice` says why, in the language "
        "asked for: remove any copy you hold."
    )
    def story(
        self,
        info: Info,
        slug: Annotated[
            str, strawberry.argument(description="The story's slug, shared by all languages.")
        ],
        language: Annotated[
            str | None, strawberry.argument(description=LANGUAGE_DESCRIPTION)
        ] = None,
    ) -> Story | None:
        found = find_stories(info, language, slug=slug)
        if found:
            return found[0]
        killed = gone(info, language, slug)
        if killed is not None:
            raise killed
        return None

    @strawberry.field(
        description="Published stories, newest first unless `orderBy` says otherwise."
    )
    def stories(
        self,
        info: Info,
        language: Annotated[
            str | None, strawberry.argument(description=LANGUAGE_DESCRIPTION)
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The `endCursor` of the previous page.")
        ] = None,
        tag: Annotated[
            str | None, strawberry.argument(description="Only stories with this tag slug.")
        ] = None,
        order_by: Annotated[
            StoryOrder, strawberry.argument(description="The order of the list.")
        ] = StoryOrder.PUBLISHED_DESC,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Words to find in the served version's text (title, summary, "
                "TL;DR, Key Data, analysis, insights, FAQ): every word must occur (English by "
                "stem, Chinese by word), synonyms count."
            ),
        ] = None,
        filter: Annotated[
            StoryFilter | None, strawberry.argument(description="Further conditions.")
        ] = None,
    ) -> StoryConnection:
        pagination.check_page_size(first)
        context = info.context
        audience = context.audience_for(language)
        finder = searching(search, order_by, audience)
        if finder is None and filter is None and after is None:
            page = first_page(context, audience, tag, order_by, first)
        else:
            page = any_page(context, audience, tag, filter, finder, order_by, first, after)
        plain = search is None and filter is None
        return connection(context, audience, page, first, after, order_by, finder, tag, plain)

    @strawberry.field(description="Tags with at least one story readers see, most used first.")
    def tags(
        self,
        info: Info,
        language: Annotated[
            str | None, strawberry.argument(description=LANGUAGE_DESCRIPTION)
        ] = None,
    ) -> list[Tag]:
        audience = info.context.audience_for(language)
        context = info.context

        def listed():
            return serving.listed_tag_rows(audience, context.observe)

        # A partner key's restrictions change its counts: only the public's are kept.
        rows = (
            story_cache.remembered(
                context, ["tags", audience.chain], [keys.STORIES, keys.TAGS], listed
            )
            if audience.is_public
            else listed()
        )
        return [Tag(_entry=entry) for entry in serving.tags_from_rows(audience, rows)]

    redirect: Redirect | None = strawberry.field(
        resolver=resolve_redirect,
        description="Where a story's old reader-site address lives now (its slug changed): "
        "a 301 to its current address, or null when the address is current or unknown.",
    )

    node: relay.Node | None = relay.node(
        description="Any object by its global `id`; a story in the language its id names."
    )

    @strawberry.field(
        description="A partner's delta sync (needs an API key): without `token`, the first "
        "page of everything the key may read; with a token from a page, what comes next. "
        "Never cached. See the partner guide (docs/partners.md)."
    )
    def sync(
        self,
        info: Info,
        token: Annotated[
            str | None,
            strawberry.argument(
                description="A `nextToken` a sync returned to this key; omit to start afresh."
            ),
        ] = None,
        first: Annotated[
            int,
            strawberry.argument(
                description="At most this many stories per page, from 1 to 500 (each gives "
                "an item per language)."
            ),
        ] = 100,
    ) -> SyncPage:
        return resolve_sync(info.context, token, first)

    @strawberry.field(description="The partner calling with an API key; null without one.")
    def viewer(self, info: Info) -> Viewer | None:
        key = info.context.key
        if key is None:
            return None
        info.context.depends_on(keys.api_key(key.pk))
        return Viewer(_key=key)
