"""One answer's reads of the shared cache, made together: one round trip where it can.

Computing an answer that missed the response cache reads the shared cache in several
places: the change counter before the first query, the page's stories (served-story
parts and their versions), the list's total and tag list, the counts, the next
publication time, and the versions the answer is stored with. Each was its own round
trip. Here the first read (the change counter's) also fetches every key the same answer
read the last time this process computed it, and later reads are answered from what it
fetched; keys it did not fetch are read as before, and become part of the next hint.

Reading a value earlier than before is sound: everything read together with the change
counter is as current as the counter itself. A version read then is recorded with the
answer (or a part) as before, and any change after it bumps that version, so what was
computed from older rows is never served as current. A part, total or count read then
shows what was true at that moment, as one read a moment later would have. The hints
are per process and only hints: a wrong or missing one costs one more round trip.
"""

from django.core.cache import cache

from api.caching import versions

_hints = {}
# Each hint is about a hundred keys; a thousand answers' hints stay well under 10 MB.
_HINTS_MAX = 1000


class Reads:
    """The shared-cache values one answer has read (None: absent when read)."""

    def __init__(self, answer_key):
        self.answer_key = answer_key
        self.values = {}
        self.read = {}

    def generation(self):
        """The change counter, read before any query with what the answer read last time."""
        self._fetch([versions.GLOBAL, *_hints.get(self.answer_key, ())])
        found = self.values.get(versions.GLOBAL)
        if found is None:
            found = self.values[versions.GLOBAL] = versions.generation()
        return found

    def _fetch(self, keys):
        missing = [key for key in dict.fromkeys(keys) if key not in self.values]
        if missing:
            found = cache.get_many(missing)
            for key in missing:
                self.values[key] = found.get(key)

    def get_many(self, keys):
        """As `cache.get_many`, answering keys read before from what was read then."""
        self._fetch(keys)
        found = {}
        for key in keys:
            self.read[key] = None
            value = self.values[key]
            if value is not None:
                found[key] = value
        return found

    def wrote(self, key, value):
        """This answer stored `value` under `key`: later reads see it."""
        self.values[key] = value

    def finish(self):
        """Keep what this answer read as the hint of its next computation."""
        if len(_hints) >= _HINTS_MAX:
            _hints.clear()
        # Only keys this answer asked for: a story that left the page leaves the hint.
        _hints[self.answer_key] = tuple(self.read)
