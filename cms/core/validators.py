"""Shape checks for the per-language lists a story translation holds."""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Codes are our own on purpose: a form field replaces the message of any error
# whose code it knows (JSONField's "invalid" would become "Value must be valid JSON").


@deconstructible
class ListOfTexts:
    """Accept a list of non-empty strings."""

    def __call__(self, value):
        if not isinstance(value, list):
            raise ValidationError(_("Expected a list."), code="not_a_list")
        for position, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                raise ValidationError(
                    _("Item %(position)s must be non-empty text."),
                    code="bad_item",
                    params={"position": position},
                )

    def __eq__(self, other):
        return isinstance(other, ListOfTexts)


@deconstructible
class ListOfRows:
    """Accept a list of objects holding exactly `keys`, each a string, the first non-empty."""

    def __init__(self, keys):
        self.keys = tuple(keys)

    def __call__(self, value):
        if not isinstance(value, list):
            raise ValidationError(_("Expected a list."), code="not_a_list")
        for position, row in enumerate(value, start=1):
            if (
                not isinstance(row, dict)
                or set(row) != set(self.keys)
                or not all(isinstance(row[key], str) for key in self.keys)
            ):
                raise ValidationError(
                    _("Row %(position)s must have the fields %(fields)s, each text."),
                    code="bad_row",
                    params={"position": position, "fields": ", ".join(self.keys)},
                )
            if not row[self.keys[0]].strip():
                raise ValidationError(
                    _("Row %(position)s is missing its %(field)s."),
                    code="missing_cell",
                    params={"position": position, "field": self.keys[0]},
                )

    def __eq__(self, other):
        return isinstance(other, ListOfRows) and self.keys == other.keys
