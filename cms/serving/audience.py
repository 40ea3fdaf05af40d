"""Who is reading: the language asked for, its fallbacks, and a partner key's restrictions.

Worked out once per request (the Accept-Language header parsed once, a key's tags read
once) into one immutable value that every reading path takes explicitly: visibility
(`Story.objects.readable`), search, counts and the served-story loaders.
"""

from dataclasses import dataclass, replace

from django.conf import settings

from cms.core import languages


@dataclass(frozen=True)
class Audience:
    """A reader (or a partner's key) reading in one language."""

    language: str
    # The requested language followed by its fallbacks, only those the audience may read.
    chain: tuple[str, ...]
    # Every language the audience may be served, in settings order.
    languages: tuple[str, ...]
    # Tags a partner key is limited to (None: every tag).
    tag_ids: frozenset[int] | None = None
    # Whether the deep analysis is served (anonymous readers and `full_text` keys).
    full_text: bool = True
    # The partner key reading, if any (its pk keys its cached answers).
    key_id: int | None = None

    @classmethod
    def of(cls, language=None, key=None):
        """The audience of `key` (None: the public) reading in `language` (None: the default)."""
        allowed = key.allowed_languages if key is not None else None
        tag_ids = None
        full_text = True
        if key is not None:
            tag_ids = frozenset(tag.pk for tag in key.tags.all()) or None
            full_text = key.has_scope("full_text")
        language = language or settings.LANGUAGE_CODE
        return cls(
            language=language,
            chain=tuple(languages.chain(language, allowed)),
            languages=tuple(c for c in languages.codes() if allowed is None or c in allowed),
            tag_ids=tag_ids,
            full_text=full_text,
            key_id=key.pk if key is not None else None,
        )

    def reading(self, language):
        """The same audience reading in another language."""
        if language == self.language:
            return self
        allowed = self.languages if self.key_id is not None else None
        return replace(self, language=language, chain=tuple(languages.chain(language, allowed)))

    @property
    def is_public(self):
        return self.key_id is None


def editors(language):
    """The newsroom reading in `language` (the admin preview): every language, full text."""
    return Audience.of(language)
