"""The site's languages from settings: which, in what order, and each one's fallback chain.

Read once at start; a code Django does not know, a repeat or a chain naming a language the
site does not publish in stops the start with the variable's name, rather than serving a
language no one can reach."""

from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy


def languages_from(codes, names):
    """`LANGUAGES` for `codes`: (code, name) pairs, names ours or else Django's."""
    codes = [code.lower() for code in codes]
    if not codes:
        raise ImproperlyConfigured("CMS_LANGUAGES names no language.")
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ImproperlyConfigured(f"CMS_LANGUAGES names {', '.join(repeated)} twice.")
    unknown = [code for code in codes if code not in names and code not in LANG_INFO]
    if unknown:
        raise ImproperlyConfigured(
            f"CMS_LANGUAGES: Django knows no language {', '.join(unknown)} "
            "(use codes such as en, zh-hans, zh-hant, ja)."
        )
    # Lazy names, never tested for truth: that would translate them before Django is ready.
    return [
        (code, names[code] if code in names else gettext_lazy(LANG_INFO[code]["name"]))
        for code in codes
    ]


def fallbacks_from(text, codes):
    """{code: [fallback, …]} from `zh-hant:zh-hans,en;ja:en`."""
    chains = {}
    for part in filter(None, (piece.strip() for piece in text.split(";"))):
        code, _sep, rest = part.partition(":")
        code = code.strip().lower()
        chain = [item.strip().lower() for item in rest.split(",") if item.strip()]
        named = [code, *chain]
        strangers = [item for item in named if item not in codes]
        if not _sep or not chain or strangers or code in chain:
            raise ImproperlyConfigured(
                f"CMS_LANGUAGE_FALLBACKS: {part!r} is not `language:fallback,…` over the "
                f"languages of CMS_LANGUAGES ({', '.join(codes)}), each falling back to others."
            )
        chains[code] = chain
    return chains


def opencc_conversions():
    """The conversions the installed OpenCC ships (`s2twp`, `s2hk`, …)."""
    import opencc

    return {name.removesuffix(".json") for name in opencc.CONFIGS}


def derived_from(text, codes, conversions):
    """{derived: (source, conversion)} from `zh-hant:zh-hans:s2twp;…` (CMS_DERIVED_LANGUAGES).

    A derived language is generated from its source language's text by an OpenCC
    conversion (`conversions`: the configurations the installed OpenCC ships). Both must be
    languages of CMS_LANGUAGES, the source written by people (not itself derived: a chain of
    conversions would hide whose text it is), and a language is derived once."""
    found = {}
    for part in filter(None, (piece.strip() for piece in text.split(";"))):
        pieces = [piece.strip().lower() for piece in part.split(":")]
        if len(pieces) != 3 or not all(pieces):
            raise ImproperlyConfigured(
                f"CMS_DERIVED_LANGUAGES: {part!r} is not `language:source:conversion` "
                "(for example zh-hant:zh-hans:s2twp)."
            )
        code, source, conversion = pieces
        if code not in codes or source not in codes or code == source:
            raise ImproperlyConfigured(
                f"CMS_DERIVED_LANGUAGES: {part!r} must derive one language of CMS_LANGUAGES "
                f"({', '.join(codes)}) from another."
            )
        if conversion not in conversions:
            raise ImproperlyConfigured(
                f"CMS_DERIVED_LANGUAGES: OpenCC has no conversion {conversion!r} "
                f"(it has {', '.join(sorted(conversions))})."
            )
        if code in found:
            raise ImproperlyConfigured(f"CMS_DERIVED_LANGUAGES derives {code} twice.")
        found[code] = (source, conversion)
    chained = sorted(code for code, (source, _c) in found.items() if source in found)
    if chained:
        raise ImproperlyConfigured(
            f"CMS_DERIVED_LANGUAGES: {', '.join(chained)} would be derived from a derived "
            "language; derive each from a language people write."
        )
    return found
