"""A language version's values as people read them, wherever the admin shows them read-only.

Lists come as lists, rows as tables with their column names, Markdown as sanitised HTML,
a choice by its label and nothing as the admin's dash, in the admin's language: never
Python's `['…', '…']`, `human` or `None`. The translator's read-only view of another
language and the source shown beside a translation (cms/admin/translating.py) both use it.
"""

from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import _boolean_icon
from django.db import models
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from cms.core import richtext

# Fields written in Markdown, shown rendered.
MARKDOWN_FIELDS = frozenset({"analysis"})


def is_empty(value):
    return value is None or value == "" or value == [] or value == {}


def columns_of(form_class, name):
    """The rows table's columns of form field `name` (cms/admin/widgets.py), or None."""
    field = form_class.base_fields.get(name)
    return getattr(field, "columns", None)


def render(model_field, value, columns=None, empty="–"):
    """`value` of `model_field` as safe HTML for reading."""
    if is_empty(value):
        return empty
    name = model_field.name if model_field is not None else ""
    if columns and isinstance(value, list):
        return render_rows(columns, value)
    if name in MARKDOWN_FIELDS:
        # Sanitised by the renderer (nh3, an allow-list), as readers get it.
        html = mark_safe(richtext.render(value))
        return format_html('<div class="cms-read-markdown">{}</div>', html)
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _boolean_icon(value)
    if isinstance(value, list):
        return format_html_join("", "<div>{}</div>", ((str(item),) for item in value))
    if isinstance(model_field, models.TextField):
        return linebreaksbr(value, autoescape=True)
    return str(value)


def render_rows(columns, rows):
    """A list as a bulleted list (one column) or a table with its column names."""
    if len(columns) == 1:
        key = columns[0].key
        return format_html(
            '<ul class="cms-read-list">{}</ul>',
            format_html_join("", "<li>{}</li>", ((_cell(row, key),) for row in rows)),
        )
    head = format_html_join("", "<th>{}</th>", ((column.label,) for column in columns))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (format_html_join("", "<td>{}</td>", ((_cell(row, c.key),) for c in columns)),)
            for row in rows
        ),
    )
    return format_html(
        '<table class="cms-read-rows"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
        head,
        body,
    )


def _cell(row, key):
    text = row.get(key, "") if isinstance(row, dict) else row
    return linebreaksbr(str(text if text is not None else ""), autoescape=True)


class ReadableValuesMixin:
    """Put before parler's TranslatableAdmin: read-only language fields show readable values.

    Django shows a read-only field that is not one of the model's own (parler keeps a
    language's fields on the translation model) as `str(value)`; a ModelAdmin attribute of
    the field's name is asked first, so each language field gets one here. Fields that
    exist only on the form (a reason to give, a box to tick) are actions, not values: a
    page that may only be viewed leaves them out.
    """

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        translations = model._parler_meta.root_model
        for name in model._parler_meta.get_all_fields():
            field = translations._meta.get_field(name)
            setattr(self, name, self._readable(field, columns_of(self.form, name)))

    def _readable(self, field, columns):
        empty = self.get_empty_value_display

        @admin.display(description=field.verbose_name)
        def display(obj):
            try:
                value = getattr(obj, field.name)
            except AttributeError:  # parler: this language has no version yet
                value = None
            return render(field, value, columns, empty=empty())

        return display

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        actions = set(self.form.declared_fields) - set(self.model._parler_meta.get_all_fields())
        actions -= {f.name for f in self.model._meta.get_fields()}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in actions]})
            for name, options in fieldsets
        ]
