"""No lost edits: a story form refuses to save over a save made after it was opened.

The form carries the story's `edit_version` as it was when the page was opened. On save,
inside the admin's transaction, the story's row is locked and its count compared: when
the story was saved since, the save is refused with who saved it, when, and what they
changed, and the editor's input stays in the re-rendered form.

One exception, so that editors and translators can work on the same story at once: a save
goes through when everything changed since lies outside what this form writes. A form
writes the story's shared fields that it shows, its own language's fields (each language
tab edits one language) and the tags (the tag inline). So when only other languages'
versions, or fields this form does not show (counters, "updated"), changed since, nothing
anyone saved is lost: the form's values for the shared fields are the current ones, since
none of them changed, and it writes no other language. Fields it does not show are
brought up to date from the locked row before saving, so that this save keeps them too.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import Truncator, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.stories import revisions

# Longest value quoted in a refusal; the history's diff view shows all of it.
QUOTE_CHARS = 80
# Unchanged text quoted before and after where two values differ.
CONTEXT_CHARS = 20


class VersionMarkField(forms.CharField):
    """The story's save count a form was opened at: a mark, never a change of content."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


class ConcurrencyFormMixin(forms.Form):
    """Put before a model form's base class (TranslatableModelForm) to refuse lost updates."""

    # Text, read in clean(): an error on a hidden field would show nowhere in the admin.
    base_version = VersionMarkField(required=False, label=gettext_lazy("Version opened"))
    # Written besides the form's own fields: the story's tags, through the tag inline.
    also_writes = ("tags",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["base_version"] = str(self.instance.edit_version)

    def clean(self):
        cleaned_data = super().clean()
        story = self.instance
        if story.pk is None:
            return cleaned_data
        mark = (cleaned_data.get("base_version") or "").strip()
        if not mark:
            raise ValidationError(
                _(
                    "This form does not say which version of the story it was opened at, so "
                    "saving it could undo someone else's changes. Reload the page and make "
                    "your changes again."
                ),
                code="no_base_version",
            )
        if not mark.isascii() or not mark.isdigit():
            raise ValidationError(
                _("This page's version mark is unreadable; reload the page."),
                code="bad_base_version",
            )
        base = int(mark)
        current = self._locked_edit_version(story)
        if current is None or current == base:
            return cleaned_data
        report = revisions.since(story.pk, base)
        if report.changes is not None and not any(map(self.writes, report.changes)):
            self._catch_up(story)
            return cleaned_data
        raise ValidationError(self._refusal(report), code="edit_conflict")

    def writes(self, change):
        """Whether saving this form would write the field `change` is about."""
        if change.field in self.also_writes:
            return True
        if change.field not in self.fields:
            return False
        return change.language is None or change.language == getattr(self, "language_code", None)

    def _locked_edit_version(self, story):
        rows = type(story)._base_manager.filter(pk=story.pk)
        # The admin saves in a transaction: hold the row until this save commits, so that
        # a concurrent save waits and then sees this one's count (PostgreSQL).
        if transaction.get_connection(rows.db).in_atomic_block:
            rows = rows.select_for_update()
        return rows.values_list("edit_version", flat=True).first()

    def _catch_up(self, story):
        """Take the stored values of the fields this form does not write."""
        names = [
            f.attname
            for f in story._meta.concrete_fields
            if not f.primary_key and f.name not in self.fields
        ]
        stored = type(story)._base_manager.filter(pk=story.pk).values(*names).first() or {}
        for name, value in stored.items():
            setattr(story, name, value)

    def _refusal(self, report):
        when = revisions.format_time(report.saved_at) if report.saved_at else "?"
        messages = [
            _(
                "%(who)s saved this story at %(when)s, after you opened it. Your changes "
                "were not saved, so that theirs are not lost."
            )
            % {"who": get_text_list(report.authors, _("and")) or _("Someone"), "when": when}
        ]
        if report.changes is None:
            messages.append(_("What they changed cannot be listed: see the story's history."))
        else:
            messages.append(_("What changed:"))
            messages += [self._line(change) for change in report.changes]
        messages.append(
            _(
                "What you typed is still in the form below. Reload the page to see their "
                "version, then make your changes again."
            )
        )
        return [ValidationError(message, code="edit_conflict") for message in messages]

    def _line(self, change):
        label = change.label
        if change.language:
            label = _("%(field)s (%(language)s)") % {
                "field": label,
                "language": change.language_name,
            }
        old, new = differing(_flat(change.old), _flat(change.new))
        return _("%(field)s: %(old)s → %(new)s") % {
            "field": label,
            "old": _quote(old),
            "new": _quote(new),
        }


def _flat(text):
    return " / ".join((text or "").splitlines())


def differing(old, new, context=CONTEXT_CHARS, limit=QUOTE_CHARS):
    """The parts of two long texts that differ, each with a little of the text around it
    ("…" where text is left out): cutting both at the same length would often show the
    same words twice, when they differ further on."""
    if len(old) <= limit and len(new) <= limit:
        return old, new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while (
        end < min(len(old), len(new)) - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]
    ):
        end += 1
    begin = max(start - context, 0)
    return _excerpt(old, begin, len(old) - end, context, limit), _excerpt(
        new, begin, len(new) - end, context, limit
    )


def _excerpt(text, begin, stop, context, limit):
    if not text:
        return text
    piece = text[begin : min(stop + context, len(text))]
    if len(piece) > limit:
        piece = Truncator(piece).chars(limit)
    elif stop + context < len(text):
        piece += "…"
    return ("…" if begin > 0 else "") + piece


def _quote(text):
    if not text:
        return _("(empty)")
    return f"“{text}”"
