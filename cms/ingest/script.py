"""Which Chinese script incoming text is written in.

Agencies often label Chinese text with a bare `zh` (ninjs `language`, a pipeline's
`translations.zh`), which this site reads as Simplified Chinese. Traditional text arriving
so must not become the Simplified version silently: readers of zh-hans would get
Traditional characters, and the Traditional version derived from it (CMS_DERIVED_LANGUAGES)
would be a conversion of a conversion. Each Simplified field is checked by OpenCC's round
trip (`cms.core.chinese.looks_traditional`) and a Traditional one is refused with an error
naming the field, so nothing is half-written and the sender can resend it as Simplified.

Refusing rather than converting (t2s) keeps the newsroom's Simplified desk the only source
of the Simplified text: a machine's Simplified rendering of a Taiwanese or Hong Kong
agency's text is not what the desk would publish. A derived language's version is never
taken from outside either: it is converted from its source, which is what to send.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from cms.core import chinese, languages
from cms.models.story import CONTENT_FIELDS

SIMPLIFIED = "zh-hans"


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)


def _name(code):
    return str(dict(settings.LANGUAGES).get(code, code))


def errors(code, fields, given_as=None):
    """(field path, message) for each field of version `code` in the wrong script, and for
    a version of a derived language (which is converted, never sent)."""
    given_as = given_as or code
    origin = languages.derived().get(code)
    if origin is not None:
        return [
            (
                f"translations.{given_as}",
                _(
                    "The %(language)s version is converted automatically from the "
                    "%(source)s version: send that one instead."
                )
                % {"language": _name(code), "source": _name(origin[0])},
            )
        ]
    if code != SIMPLIFIED or not isinstance(fields, dict):
        return []
    found = []
    for name in CONTENT_FIELDS:
        text = "\n".join(_texts(fields.get(name)))
        if chinese.looks_traditional(text):
            found.append(
                (
                    f"translations.{given_as}.{name}",
                    _(
                        "This text is written in Traditional Chinese characters, not "
                        "Simplified: send it as Simplified Chinese (zh-hans)."
                    ),
                )
            )
    return found
