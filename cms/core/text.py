"""The one rule for stored text: only characters every output can carry.

XML 1.0 (RSS, Atom, sitemaps) cannot hold the C0 control characters other than tab, line
feed and carriage return, nor U+FFFE and U+FFFF; PostgreSQL cannot store U+0000; a lone
surrogate (which a JSON `\\ud800` escape decodes to) cannot be encoded as UTF-8 at all.
Text arriving with any of them (a vertical tab is how Word pastes a line break) is refused
where it comes in, by `refuse_unfit` (admin forms, ingestion, imports, tag, source and
AIGC values), with an error naming the character and where it is, so the person or
pipeline that sent it decides what it meant. Rows stored before the rule were cleaned by
a data migration, and the outputs pass text through `fit` as well, so that no row can ever
make a feed malformed.

`spreadsheet_safe` is the rule for cells of a CSV export (OWASP, CSV injection).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# The documented normalisation of an unfit character where text cannot be refused (rows
# stored before the rule, outputs): a line-ish control becomes a space so that the words
# on either side stay apart; anything else is dropped.
SPACING = {"\x0b", "\x0c"}


def unfit(text):
    """The first character of `text` no output can carry, as (character, position from 1),
    or None."""
    found = UNFIT.search(text)
    return (found.group(), found.start() + 1) if found else None


def fit(text):
    """`text` with each character no output can carry replaced (a vertical tab or form
    feed by a space) or dropped. Text that is already fit is returned as it is."""
    if not isinstance(text, str) or UNFIT.search(text) is None:
        return text
    return UNFIT.sub(lambda found: " " if found.group() in SPACING else "", text)


def fit_value(value):
    """`fit` applied to every string inside a JSON-like value (lists, dicts, strings)."""
    if isinstance(value, str):
        return fit(value)
    if isinstance(value, list | tuple):
        return type(value)(fit_value(item) for item in value)
    if isinstance(value, dict):
        return {fit(key): fit_value(item) for key, item in value.items()}
    return value


def unfit_error(character, position, where=None):
    """The error naming an unfit character: which (as U+XXXX) and where."""
    params = {"code": f"U+{ord(character):04X}", "position": position}
    if where:
        params["where"] = where
        message = _(
            "%(where)s contains the character %(code)s at position %(position)s, which "
            "feeds and sitemaps cannot carry (a line break pasted from Word is one). "
            "Remove it or replace it with a space."
        )
    else:
        message = _(
            "Contains the character %(code)s at position %(position)s, which feeds and "
            "sitemaps cannot carry (a line break pasted from Word is one). Remove it or "
            "replace it with a space."
        )
    return ValidationError(message, code="unfit_character", params=params)


def first_unfit(value, where=""):
    """The first unfit character anywhere in a JSON-like value, as (character, position,
    path), or None; `path` names the item (`2.answer`) for a list or object."""
    if isinstance(value, str):
        found = unfit(value)
        return (*found, where) if found else None
    if isinstance(value, dict):
        items = list(value.items())
        for key, _item in items:
            if isinstance(key, str) and (found := unfit(key)):
                return (*found, where)
        for key, item in items:
            if found := first_unfit(item, f"{where}.{key}" if where else str(key)):
                return found
    if isinstance(value, list):
        for number, item in enumerate(value, start=1):
            if found := first_unfit(item, f"{where}.{number}" if where else str(number)):
                return found
    return None


def refuse_unfit(value, where=None):
    """Raise the field error for the first unfit character in `value` (text or a JSON-like
    value), naming it and where it is."""
    found = first_unfit(value)
    if found is None:
        return
    character, position, path = found
    label = " ".join(part for part in (str(where or ""), path) if part)
    raise unfit_error(character, position, label or None)


@deconstructible
class FitText:
    """Model field validator: the text (or JSON value) holds no character an output
    cannot carry."""

    def __call__(self, value):
        refuse_unfit(value)

    def __eq__(self, other):
        return isinstance(other, FitText)


# A spreadsheet runs a cell that starts with one of these as a formula (=, +, -, @) or
# after skipping it (tab, carriage return); OWASP's advice is a leading apostrophe.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading
    apostrophe (which spreadsheets hide and do not run)."""
    cell = fit(cell)
    return f"'{cell}" if cell.startswith(FORMULA_LEADS) else cell
