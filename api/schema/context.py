"""What every resolver of one request shares: the caller, its audience, the answer's
dependencies (for caching)."""

from contextlib import contextmanager
from functools import cached_property

from django.conf import settings
from django.utils.translation import gettext as _

from api.caching import keys
from api.ops import clients
from api.schema.errors import BadUserInput
from cms.core import languages
from cms.counting import counters
from cms.models import Story
from cms.serving import stories as serving
from cms.serving.audience import Audience


class Context:
    """The request, the caller's audience, and what the answer depends on."""

    def __init__(self, request, key=None, preview=None, header_language=None):
        self.request = request
        self.key = key
        # Set by an answer that must never be stored in the response cache (a sync page).
        self.no_store = False
        # A `cms.stories.preview.Preview`: its story is found by one-story lookups, whatever
        # its state.
        self.preview = preview
        # Parsed once per request (by the view, which keys its cache with it).
        self.header_language = header_language or languages.from_accept_language(
            request.headers.get("Accept-Language", "")
        )
        # A key's answers change when its restrictions do.
        self.dependencies = {keys.api_key(key.pk)} if key is not None else set()
        # The view and share counts the answer shows, read together (`cms.counting.counters`), and
        # where each sits in it: (path, story id, counter), for the response cache.
        self.counts = counters.Reader()
        self.counts_shown = []
        # The languages asked for and those stories were served in: Content-Language.
        self.languages_asked = []
        self.languages_served = []
        # The served-story cache of this answer (api/caching/stories.py), when it may use one.
        self.story_cache = None
        # The answer's shared-cache reads (api/caching/reads.py), when it is to be stored.
        self.reads = None
        self._captures = []

    @cached_property
    def counting_client(self):
        """Who `recordView` and `recordShare` count once per story and window."""
        if settings.CMS_TRUST_READER_ID:
            reader = self.request.headers.get("X-Reader-Id", "").strip()
            if 0 < len(reader) <= 128:
                return f"reader:{reader}"
        return f"ip:{clients.client_group(self.request)}"

    @cached_property
    def audience(self):
        """The caller reading in the request's language (the key's restrictions read once)."""
        return Audience.of(self.header_language, self.key)

    def audience_for(self, requested):
        """The caller reading in `requested` (a `language` argument), else the header's."""
        if requested is None:
            self._asked(self.header_language)
            return self.audience
        code = languages.normalize(requested)
        if code is None:
            raise BadUserInput(
                _("Unsupported language “%(code)s”. Supported languages: %(supported)s.")
                % {"code": requested, "supported": ", ".join(self.audience.languages)}
            )
        self._asked(code)
        return self.audience.reading(code)

    def _asked(self, code):
        if code not in self.languages_asked:
            self.languages_asked.append(code)

    @property
    def content_language(self):
        """The languages the answer is in: those served, else those asked for."""
        shown = self.languages_served or self.languages_asked or [self.header_language]
        return ", ".join(shown)

    def readable(self, audience, now=None):
        """The stories `audience` may read in lists, counts and search (at `now`)."""
        return Story.objects.readable(audience, now)

    def findable(self, audience):
        """The stories a one-story lookup may return: the readable ones and the previewed one."""
        if self.preview is None:
            return self.readable(audience)
        return Story.objects.previewable(self.preview.story_id, audience)

    def observe(self, kind, ids):
        """Record what a served story showed (a `cms.serving.stories` observer)."""
        if kind == serving.LANGUAGE:
            self.languages_served += [code for code in ids if code not in self.languages_served]
        self.dependencies.update(keys.observed(kind, ids))
        for captured in self._captures:
            captured.append((kind, list(ids)))

    @contextmanager
    def capturing(self):
        """Collect, as a list, what resolvers show inside the block (they are recorded too)."""
        captured = []
        self._captures.append(captured)
        try:
            yield captured
        finally:
            self._captures.remove(captured)

    @staticmethod
    def dependencies_of(observed, story_pk):
        """The dependency names of one story's part that showed `observed`."""
        found = {keys.story(story_pk)}
        for kind, ids in observed:
            found.update(keys.observed(kind, ids))
        return found

    def show_count(self, info, story_id, counter):
        """The current count of a story's counter, recorded where the answer shows it."""
        return self.show_count_at(tuple(info.path.as_list()), story_id, counter)

    def show_count_at(self, path, story_id, counter):
        """`show_count` at `path` (a tuple of response keys and list indexes)."""
        self.counts_shown.append((path, story_id, counter))
        return self.counts.value(story_id, counter)

    def depends_on(self, *dependencies):
        self.dependencies.update(dependencies)
