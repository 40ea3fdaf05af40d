"""A live story's entries as one audience reads them, loaded page-wide.

Entries are those `LiveEntry.objects.readable(audience)` gives (the story's visibility, a
key's languages and tags; never a withdrawn one), in the language each story is served
in, newest first. An entry's text is the story's body as the analysis is: a partner key
without the `full_text` right reads each entry's time, flags and disclosure, not its text.
One page of entries for every live story of a batch costs the same few queries whatever
the number of entries or stories: the entries (a window per story), then their images and
their authors.
"""

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from cms.core import languages
from cms.disclosure import rules as disclosure
from cms.media import served as served_media
from cms.models import Author, LiveEntry

# Entries in a story's JSON-LD `liveBlogUpdate`: the newest, as search engines read them.
STRUCTURED_UPDATES = 20
PINNED = "pinned"
KEY_EVENTS = "key_events"


class ServedEntry:
    """One entry as its story's audience reads it."""

    def __init__(self, entry, image=None, author=None, text_served=True):
        self.entry = entry
        self.image = image
        self.author = author
        # Whether the audience reads the entry's text (as `ServedStory.analysis_served`).
        self.text_served = text_served

    @property
    def pk(self):
        return self.entry.pk

    @property
    def published_at(self):
        return self.entry.published_at

    @property
    def disclosure(self):
        return disclosure.of_entry(self.entry)


class LivePages:
    """Pages of the batch's live stories' entries, each loaded once for the whole batch."""

    def __init__(self, batch):
        self.batch = batch
        self._pages = {}

    def page(self, story_id, first, after=None, only=None):
        """(`ServedEntry`s newest first, whether more follow) of story `story_id`: at most
        `first`, after the cursor `after` ((published_at, id) or None), `only` pinned or
        key-event entries."""
        key = (first, after, only)
        if key not in self._pages:
            self._pages[key] = self._load(first, after, only)
        found = self._pages[key].get(story_id, [])
        return found[:first], len(found) > first

    def _served_languages(self):
        translations = self.batch.translations
        return {
            story.pk: translations[story.pk].language_code
            for story in self.batch.stories
            if story.live_status and story.pk in translations
        }

    def _load(self, first, after, only):
        wanted = self._served_languages()
        if not wanted:
            return {}
        condition = Q()
        for story_id, code in wanted.items():
            condition |= Q(story_id=story_id, language_code=code)
        entries = LiveEntry.objects.readable(self.batch.audience).filter(condition)
        if only == PINNED:
            entries = entries.filter(pinned=True)
        elif only == KEY_EVENTS:
            entries = entries.filter(key_event=True)
        if after is not None:
            moment, pk = after
            entries = entries.filter(Q(published_at__lt=moment) | Q(published_at=moment, id__lt=pk))
        # The newest `first + 1` of each story (one more tells whether a next page exists).
        rows = list(
            entries.annotate(
                place=Window(
                    RowNumber(),
                    partition_by=[F("story_id")],
                    order_by=[F("published_at").desc(), F("id").desc()],
                )
            )
            .filter(place__lte=first + 1)
            .order_by("story_id", "-published_at", "-id")
        )
        found = {}
        for served in serve(rows, self.batch.audience.full_text):
            found.setdefault(served.entry.story_id, []).append(served)
        return found


def serve(rows, full_text=True):
    """`ServedEntry`s of `rows` (LiveEntry rows), in their order, with their images and
    authors in each entry's language: a constant number of queries. `full_text`: whether
    the audience reads the entries' text (partner keys need the right)."""
    images = served_media.load_images_in(
        {
            code: [row.image_id for row in rows if row.image_id and row.language_code == code]
            for code in {row.language_code for row in rows}
        }
    )
    authors = _authors(rows)
    return [
        ServedEntry(
            row,
            images.get((row.language_code, row.image_id)),
            authors.get((row.language_code, row.author_id)),
            full_text,
        )
        for row in rows
    ]


def _authors(rows):
    """(language, author id) to the served author, bios in each entry's language."""
    ids = {row.author_id for row in rows if row.author_id}
    if not ids:
        return {}
    people = Author.objects.in_bulk(ids)
    served = {}
    for code in sorted({row.language_code for row in rows if row.author_id}):
        for pk, author in served_media.serve_authors(people, languages.chain(code)).items():
            served[(code, pk)] = author
    return served


def _readable(served_story):
    """The entries the served story's audience may read, in its served language."""
    return LiveEntry.objects.readable(served_story.batch.audience).filter(
        story_id=served_story.pk, language_code=served_story.language
    )


def since(served_story, after_id, limit):
    """Up to `limit` readable entries published after entry `after_id` (0: from the first),
    oldest first: what a subscriber that saw `after_id` missed."""
    rows = list(_readable(served_story).filter(pk__gt=after_id).order_by("id")[:limit])
    return serve(rows, served_story.batch.audience.full_text)


def one(served_story, entry_id):
    """Entry `entry_id` as the served story's audience reads it, or None if it may not."""
    rows = list(_readable(served_story).filter(pk=entry_id))
    return serve(rows, served_story.batch.audience.full_text)[0] if rows else None
