"""Chinese script conversion with OpenCC (the official package of BYVoid/OpenCC).

Which conversion derives which language is a setting (CMS_DERIVED_LANGUAGES); this module
only converts. Text is converted as a whole, so that OpenCC's phrase dictionaries see whole
phrases (s2twp turns 鼠标 into 滑鼠, not character by character); list fields are converted
row by row and cell by cell, their shape kept. OpenCC leaves everything that is not Chinese
as it is, so Markdown, links and image markers (![[image:12]]) come through unchanged.

Converters are built once per process and configuration (loading the dictionaries takes
milliseconds, converting a story microseconds); they hold no state between calls.
"""

import functools

import opencc


@functools.cache
def _converter(conversion):
    return opencc.OpenCC(conversion)


def convert(text, conversion):
    """`text` converted by OpenCC configuration `conversion` (`s2twp`, `t2s`, …)."""
    if not text:
        return text
    return _converter(conversion).convert(text)


def convert_value(value, conversion):
    """A field's value converted: text, a list of texts, or a list of rows of texts.

    Anything else (numbers, None, booleans in a row) is kept as it is."""
    if isinstance(value, str):
        return convert(value, conversion)
    if isinstance(value, list):
        return [convert_value(item, conversion) for item in value]
    if isinstance(value, dict):
        return {key: convert_value(item, conversion) for key, item in value.items()}
    return value


def changed_characters(text, conversion):
    """How many characters of `text` conversion `conversion` changes."""
    converted = convert(text, conversion)
    if len(converted) != len(text):
        # A phrase conversion changed the length: count the difference at least.
        return max(1, sum(a != b for a, b in zip(text, converted, strict=False)))
    return sum(a != b for a, b in zip(text, converted, strict=True))


def looks_traditional(text):
    """Whether `text` is written in Traditional characters, by OpenCC's round trip: text
    that Traditional-to-Simplified changes more than Simplified-to-Traditional does is
    Traditional. Text with no Chinese (or only characters both scripts share) is not."""
    if not text:
        return False
    to_simplified = changed_characters(text, "t2s")
    return to_simplified > 0 and to_simplified > changed_characters(text, "s2t")
