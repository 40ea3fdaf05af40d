"""The original beside each field of a translation, as wagtail-localize and Contentful do.

On a language tab that is not the story's original language, each field the translator
writes shows the original's text beside it, rendered (bullets as a list, Key Data as a
table, the analysis as HTML), with a button copying it into the field
(cms/static/cms/translating.js). When the translation is outdated, each field the original
changed since shows what changed: word by word, lists row by row.
"""

from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cms.models import StoryTranslation
from cms.models.story import CONTENT_FIELDS
from cms.stories import revisions, source_changes, translation_state

from . import readable


def language_name(code):
    return str(dict(settings.LANGUAGES).get(code, code))


class SourceBesideMixin:
    """Put before parler's TranslatableAdmin in the story admin."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            language = self.get_form_language(request, obj)
            context["translation_source"] = self.translation_source(request, obj, language)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def translation_source(self, request, story, language):
        """The original's fields beside the `language` tab, or None on the original's tab."""
        code = story.original_language
        if language == code:
            return None
        source = StoryTranslation.objects.filter(master_id=story.pk, language_code=code).first()
        if source is None:
            return None
        state = next(
            (s for s in translation_state.story_states(story) if s.language == language), None
        )
        outdated = bool(state and state.outdated)
        then = source_changes.source_then(story, language) if outdated else None
        translations = StoryTranslation._meta
        fields = {}
        for name in CONTENT_FIELDS:
            field = translations.get_field(name)
            columns = readable.columns_of(self.form, name)
            value = getattr(source, name)
            changes = None
            if then is not None:
                changes = render_changes(then.values.get(name), value, columns)
            fields[name] = {
                "html": readable.render(field, value, columns, _("(empty)")),
                "changes": changes,
                "empty": readable.is_empty(value),
            }
        return {
            "code": code,
            "language": language_name(code),
            "fields": fields,
            # What "copy" puts in each field: the stored values, as the form holds them.
            "values": {name: getattr(source, name) for name in CONTENT_FIELDS},
            "editable": self.has_change_permission(request, story),
            "outdated": outdated,
            "translated_at": state.changed_at and revisions.format_time(state.changed_at),
            "then_known": then is not None,
        }


def render_changes(old, new, columns):
    """What changed from `old` to `new` as HTML, or None when nothing did."""
    if columns:
        rows = source_changes.rows_diff(old, new, [column.key for column in columns])
        return render_rows_diff(rows, columns) if rows else None
    runs = source_changes.text_diff(old, new)
    if not runs:
        return None
    return format_html('<div class="cms-diff-text">{}</div>', render_runs(runs))


TAGS = {"same": "{}", "removed": "<del>{}</del>", "added": "<ins>{}</ins>"}


def render_runs(runs):
    return format_html_join("", "{}", ((format_html(TAGS[kind], text),) for kind, text in runs))


def render_rows_diff(rows, columns):
    marks = {
        "same": "",
        "added": pgettext("a list row", "added"),
        "removed": pgettext("a list row", "removed"),
        "changed": pgettext("a list row", "changed"),
    }
    head = format_html_join("", "<th>{}</th>", ((column.label,) for column in columns))
    body = []
    for row in rows:
        if row.kind == "changed":
            cells = [render_runs(runs) for runs in row.cells]
        elif row.kind == "same":
            cells = row.cells
        else:
            tag = "del" if row.kind == "removed" else "ins"
            cells = [
                format_html(f"<{tag}>{{}}</{tag}>", cell) if cell else "" for cell in row.cells
            ]
        body.append(
            format_html(
                '<tr class="cms-diff-{}"><td class="cms-diff-mark">{}</td>{}</tr>',
                row.kind,
                marks[row.kind],
                format_html_join("", "<td>{}</td>", ((cell,) for cell in cells)),
            )
        )
    return format_html(
        '<table class="cms-diff-rows"><thead><tr><th></th>{}</tr></thead><tbody>{}</tbody></table>',
        head,
        format_html_join("", "{}", ((row,) for row in body)),
    )
