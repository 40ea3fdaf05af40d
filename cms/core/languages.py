"""Which languages exist, and which one serves a story when its own is missing."""

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header
from parler import appsettings

# Longer Accept-Language headers are cut: no client needs more, and parsing is linear.
MAX_ACCEPT_LANGUAGE = 1000


def codes():
    """The language codes the site publishes in, in settings order."""
    return [code for code, _name in settings.LANGUAGES]


def normalize(code):
    """Return the supported code matching `code` case-insensitively, or None."""
    if not isinstance(code, str):
        return None
    wanted = code.strip().lower().replace("_", "-")
    for known in codes():
        if known.lower() == wanted:
            return known
    return None


def chain(code, allowed=None):
    """The requested language followed by its fallbacks, without repeats (only `allowed` ones)."""
    result = []
    for candidate in appsettings.PARLER_LANGUAGES.get_active_choices(code):
        if candidate not in result and (allowed is None or candidate in allowed):
            result.append(candidate)
    return result


def pick(translations, languages):
    """The first translation (of those given) in the first language of `languages` that has one."""
    by_language = {t.language_code: t for t in translations}
    for code in languages:
        if code in by_language:
            return by_language[code]
    return None


def from_accept_language(header):
    """The best supported language of an Accept-Language header, or the default."""
    for code, _quality in parse_accept_lang_header((header or "")[:MAX_ACCEPT_LANGUAGE]):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def derived():
    """{derived language: (source language, OpenCC conversion)} (CMS_DERIVED_LANGUAGES)."""
    return settings.CMS_DERIVED_LANGUAGES


def is_derived(code):
    """Whether language `code` is generated from another one rather than written."""
    return code in settings.CMS_DERIVED_LANGUAGES


def derived_of(source):
    """The languages derived from `source`, with their conversions: [(code, conversion)]."""
    return [
        (code, conversion)
        for code, (origin, conversion) in settings.CMS_DERIVED_LANGUAGES.items()
        if origin == source
    ]


def written():
    """The languages people write (every language that is not derived)."""
    return [code for code in codes() if code not in settings.CMS_DERIVED_LANGUAGES]
