"""AI disclosure in the admin: the grade's rules on the story form, the disclosure panel,
and the compliance report (live stories by grade, AI text awaiting review, versions whose
label cannot be shown), with a CSV export."""

import csv

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.core.text import spreadsheet_safe
from cms.disclosure import rules as disclosure
from cms.models import DisclosureRecord, Involvement, Story, StoryTranslation, live_q
from cms.stories import workflow

# What the report lists, by its `show` parameter.
VIEWS = ("live", "awaiting", "missing")
HISTORY_SIZE = 10


def missing_label_q():
    """Versions whose label the outputs cannot derive: an unknown grade, or AI-written text
    on a story whose `aiGenerated` says otherwise."""
    return ~Q(ai_involvement__in=Involvement.values) | Q(
        ai_involvement__in=disclosure.AI_WRITTEN, master__ai_generated=False
    )


def reason_field():
    """Why an editor lowers a version's grade (the form declares it: `StoryForm`)."""
    return forms.CharField(
        label=_("Reason for lowering the AI involvement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when an editor lowers it; kept in the disclosure record."),
    )


def reviewed_field():
    """An editor's review of the version shown, without a workflow step (`StoryForm`)."""
    return forms.BooleanField(
        label=_("I reviewed this language version"),
        required=False,
        help_text=_(
            "Editors and publishers: records your review of this version's text as saved "
            "now. Publishing or scheduling from this tab records it too."
        ),
    )


class DisclosureFormMixin:
    """The grade's rules on the story form: only an editor lowers it, giving a reason."""

    request = None  # Set by WorkflowMixin.get_form.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("ai_involvement")
        if field is not None and self.stored_grade() != Involvement.AI_REVIEWED:
            # "Reviewed" is what a review records, never a choice.
            field.choices = [
                choice for choice in field.choices if choice[0] != Involvement.AI_REVIEWED
            ]

    def get_initial_for_field(self, field, field_name):
        if field_name == "ai_involvement" and self.stored_grade() is None:
            # A version written here starts as a person's (the pipeline's keep theirs).
            return self.first_grade()
        value = super().get_initial_for_field(field, field_name)
        # A reviewed grade the stored version no longer has (a translator's proposal made
        # before the live text changed) is AI-generated text awaiting a review: shown as
        # anything else (the choice is gone), saving the form would change the grade.
        if (
            field_name == "ai_involvement"
            and value == Involvement.AI_REVIEWED
            and Involvement.AI_REVIEWED not in dict(field.choices)
        ):
            return Involvement.AI_GENERATED
        return value

    def first_grade(self):
        original = None
        if self.instance.pk:
            original = (
                StoryTranslation.objects.filter(
                    master=self.instance, language_code=self.instance.original_language
                )
                .values_list("ai_involvement", flat=True)
                .first()
            )
        return disclosure.first_grade(original).value

    def stored_grade(self):
        if not self.instance.pk:
            return None
        return (
            StoryTranslation.objects.filter(master=self.instance, language_code=self.language_code)
            .values_list("ai_involvement", flat=True)
            .first()
        )

    def reviewing(self):
        """The languages this form's save reviews: the one shown, by a reviewer."""
        user = getattr(self.request, "user", None)
        return [self.language_code] if user is not None and disclosure.may_review(user) else []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mark_reviewed") and self.request and not self.reviewing():
            self.add_error("mark_reviewed", _("Only an editor or publisher may review."))
        new, old = cleaned.get("ai_involvement"), self.stored_grade()
        self.grade_change = None
        if self.request is None or not new or old is None or new == old:
            return cleaned
        if old == Involvement.AI_REVIEWED and new == Involvement.AI_GENERATED:
            return cleaned
        refusal = disclosure.grade_change_refusal(
            old,
            new,
            may_lower=self.request.user.has_perm(workflow.REVIEW),
            reason=cleaned.get("ai_involvement_reason", ""),
        )
        if refusal is not None:
            self.add_error(*refusal)
            return cleaned
        self.grade_change = (old, new, cleaned.get("ai_involvement_reason", "").strip())
        return cleaned


class DisclosureAdminMixin:
    """The disclosure panel on the story form, grade records, and the compliance report."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_disclosure"
        view = self.admin_site.admin_view(self.disclosure_report)
        return [path("disclosure/", view, name=name), *super().get_urls()]

    def save_related(self, request, form, formsets, change):
        if form.cleaned_data.get("mark_reviewed"):
            # Before the workflow's announcement, so that partners hear of the review.
            disclosure.record_review(form.instance, request.user, form.reviewing())
        super().save_related(request, form, formsets, change)
        found = getattr(form, "grade_change", None)
        if found is None:
            return
        old, new, reason = found
        stored = form.stored_grade()
        # A translator's change to a live story waits as a proposal: nothing changed yet.
        if stored == new or (stored, new) == (Involvement.AI_REVIEWED, Involvement.AI_GENERATED):
            disclosure.record_grade_change(
                form.instance, form.language_code, old, new, request.user, reason
            )

    @admin.display(description=_("AI disclosure"))
    def disclosure_panel(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        names = dict(settings.LANGUAGES)
        rows = obj.translations.all()
        lines = []
        for row in rows:
            found = disclosure.of(obj.pk, row)
            if found.review:
                review = gettext("reviewed by %(role)s at %(time)s (edit version %(version)s)") % {
                    "role": found.review.role,
                    "time": formats.date_format(found.review.at, "DATETIME_FORMAT"),
                    "version": found.review.edit_version,
                }
            elif disclosure.awaiting_review(row):
                review = gettext("awaiting review")
            else:
                review = ""
            lines.append(
                (
                    names.get(row.language_code, row.language_code),
                    found.label,
                    found.iptc,
                    review,
                )
            )
        panel = format_html_join(
            "",
            '<div class="disclosure-line"><strong>{}</strong>: “{}” · <code>{}</code> {}</div>',
            lines,
        )
        history = obj.disclosure_records.select_related("user")[:HISTORY_SIZE]
        items = format_html_join(
            "",
            "<li>{} · {} · {} · {} {}</li>",
            (
                (
                    formats.date_format(record.at, "DATETIME_FORMAT"),
                    record.language_code,
                    record.get_kind_display(),
                    record.user or gettext("story pipeline"),
                    f"{record.get_from_grade_display()} → {record.get_to_grade_display()}: "
                    f"{record.reason}"
                    if record.kind == DisclosureRecord.Kind.GRADE
                    else record.role,
                )
                for record in history
            ),
        )
        if not history:
            return panel
        return format_html('{}<ul class="disclosure-history">{}</ul>', panel, items)

    def disclosure_report(self, request):
        """Live versions by grade, AI text awaiting review, labels that cannot be shown."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        show = request.GET.get("show", "live")
        grade = request.GET.get("grade", "")
        output = request.GET.get("format", "html")
        if show not in VIEWS:
            return HttpResponseBadRequest(gettext("Unknown report “%(show)s”.") % {"show": show})
        if grade and grade not in Involvement.values:
            return HttpResponseBadRequest(gettext("Unknown grade “%(grade)s”.") % {"grade": grade})
        if output not in ("html", "csv"):
            return HttpResponseBadRequest(
                gettext("Unknown format “%(format)s”.") % {"format": output}
            )
        rows = self._report_rows(show, grade)
        if output == "csv":
            return self._csv(show, rows)
        live = Story.objects.filter(live_q())
        totals = (
            StoryTranslation.objects.filter(master__in=live)
            .values_list("language_code", "ai_involvement")
            .annotate(count=Count("pk"))
            .order_by("language_code", "ai_involvement")
        )
        names = dict(settings.LANGUAGES)
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_disclosure")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("AI disclosure report"),
            "show": show,
            "grade": grade,
            "views": [
                (key, label, f"{url}?show={key}")
                for key, label in (
                    ("live", _("Live stories by grade")),
                    ("awaiting", _("AI text awaiting review")),
                    ("missing", _("Missing labels")),
                )
            ],
            "grades": Involvement.choices,
            "totals": [
                (names.get(code, code), Involvement(value).label, count)
                for code, value, count in totals
                if value in Involvement.values
            ],
            "rows": rows,
            "csv_url": f"{url}?show={show}&grade={grade}&format=csv",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "cms/disclosure_report.html", context)

    def _report_rows(self, show, grade):
        versions = StoryTranslation.objects.select_related("master")
        if show == "live":
            versions = versions.filter(master__in=Story.objects.filter(live_q()))
        elif show == "awaiting":
            versions = versions.filter(disclosure.awaiting_review_q()).exclude(
                master__status__in=[Story.Status.ARCHIVED, Story.Status.KILLED]
            )
        else:
            versions = versions.filter(master__in=Story.objects.filter(live_q())).filter(
                missing_label_q()
            )
        if grade:
            versions = versions.filter(ai_involvement=grade)
        rows = []
        for row in versions.order_by("-master__published_at", "master_id", "language_code"):
            known = row.ai_involvement in Involvement.values
            rows.append(
                {
                    "story_id": row.master_id,
                    "slug": row.master.slug,
                    "title": row.title,
                    "language": row.language_code,
                    "state": row.master.state.label,
                    "grade": row.ai_involvement,
                    "label": disclosure.label(row.ai_involvement, row.language_code)
                    if known
                    else "",
                    "iptc": disclosure.iptc_uri(row.ai_involvement) if known else "",
                    "reviewed_at": row.reviewed_at
                    if known
                    and not disclosure.awaiting_review(row)
                    and row.reviewed_hash == row.content_hash
                    else None,
                    "reviewed_role": row.reviewed_role,
                    "url": reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[row.master_id],
                    )
                    + f"?language={row.language_code}",
                }
            )
        return rows

    def _csv(self, show, rows):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ai-disclosure-{show}.csv"'
        columns = ("story_id", "slug", "language", "state", "grade", "label", "iptc",
                   "reviewed_role", "reviewed_at", "title")  # fmt: skip
        writer = csv.writer(response)
        writer.writerow(columns)
        for row in rows:
            # Titles are typed by people and pipelines: none may run as a formula.
            writer.writerow(
                [
                    row[column].isoformat()
                    if column == "reviewed_at" and row[column]
                    else spreadsheet_safe(str(row[column] if row[column] is not None else ""))
                    for column in columns
                ]
            )
        return response
