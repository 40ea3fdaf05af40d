"""Translation agencies' round trip in the admin: the story list exports the selected stories
as XLIFF 2.0 for a language pair, and a page takes a translated file back; where a
machine-translation service is set up, the list also drafts machine translations.

A refused import shows each problem by story and unit and imports nothing; an accepted one
makes translators' proposals, listed with the other pending translations for an editor.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cms.core import languages
from cms.stories import approvals, workflow
from cms.translation import machine, roundtrip, xliff


def language_pairs():
    """(value, label) for every ordered pair of the publication's languages; a derived
    language (converted from another, CMS_DERIVED_LANGUAGES) is never a target."""
    names = {code: gettext(name) for code, name in settings.LANGUAGES}
    pairs = []
    for source in languages.codes():
        for target in languages.written():
            if source != target:
                label = gettext("%(source)s → %(target)s") % {
                    "source": names.get(source, source),
                    "target": names.get(target, target),
                }
                pairs.append((f"{source}:{target}", label))
    return pairs


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Translated XLIFF file"),
        help_text=_("An .xlf file exported here and translated by an agency or a CAT tool."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > xliff.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB.")
                % {"size": xliff.MAX_BYTES // (1024 * 1024)}
            )
        return upload


def may_import_any(user):
    return user.has_perm(workflow.CHANGE) or user.has_perm(approvals.TRANSLATE)


class XliffMixin:
    """Story admin: export for translation (an action) and import translations (a page)."""

    @admin.action(description=_("Export for translation (XLIFF)…"), permissions=["view"])
    def export_xliff(self, request, queryset):
        pairs = language_pairs()
        chosen = request.POST.get("pair")
        if chosen in dict(pairs):
            source, target = chosen.split(":")
            data, skipped = roundtrip.export(queryset.order_by("pk"), source, target)
            if not data:
                self.message_user(
                    request,
                    gettext("None of the selected stories has a version in that language."),
                    messages.WARNING,
                )
                return None
            if skipped:
                # Shown on the next page the editor opens (this answer is the download).
                self.message_user(
                    request,
                    gettext("Left out of the file, having no version in that language: %(stories)s")
                    % {"stories": gettext(", ").join(str(story) for story in skipped)},
                    messages.WARNING,
                )
            response = HttpResponse(data, content_type="application/xliff+xml; charset=utf-8")
            name = f"stories-{source}-{target}-{timezone.now():%Y%m%d-%H%M%S}.xlf"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return self.choose_languages(
            request,
            queryset,
            "export_xliff",
            gettext("Export for translation"),
            gettext(
                "These stories go into one XLIFF 2.0 file, which translation agencies and CAT "
                "tools (Trados, memoQ, Phrase, Crowdin) open. Each field and each row of a list "
                "is a unit, with notes on its limits and on how much AI wrote the original."
            ),
            gettext("Download the XLIFF file"),
        )

    @admin.action(description=_("Draft a machine translation…"), permissions=["view"])
    def machine_translate(self, request, queryset):
        chosen = request.POST.get("pair")
        if chosen in dict(language_pairs()):
            source, target = chosen.split(":")
            made = 0
            for story in queryset.order_by("pk"):
                try:
                    proposal = machine.draft(story, source, target, request.user)
                except machine.MachineTranslationError as error:
                    self.message_user(request, f"{story}: {error}", messages.ERROR)
                    if not error.per_story:
                        break
                    continue
                made += proposal is not None
            if made:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d machine translation drafted; it waits for review.",
                        "%(count)d machine translations drafted; they wait for review.",
                        made,
                    )
                    % {"count": made},
                    messages.SUCCESS,
                )
            return None
        return self.choose_languages(
            request,
            queryset,
            "machine_translate",
            gettext("Draft a machine translation"),
            gettext(
                "The selected stories are sent to the machine-translation service. Each "
                "translation becomes a proposal graded machine-translated, which an editor "
                "reviews and approves like any other; nothing is published by this step."
            ),
            gettext("Draft the translations"),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not machine.configured():
            actions.pop("machine_translate", None)
        return actions

    def choose_languages(self, request, queryset, action, title, introduction, button):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "introduction": introduction,
            "button": button,
            "action": action,
            "stories": queryset.order_by("pk"),
            "pairs": language_pairs(),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cms/story/choose_languages.html", context)

    def get_urls(self):
        return [
            path(
                "import-xliff/",
                self.admin_site.admin_view(self.import_xliff_view),
                name="cms_story_import_xliff",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_import_xliff": may_import_any(request.user),
        }
        return super().changelist_view(request, extra_context)

    def import_xliff_view(self, request):
        if not may_import_any(request.user):
            raise PermissionDenied(gettext("Only translators and editors import translations."))
        form = ImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = roundtrip.import_xliff(upload.read(), request.user)
            except xliff.XliffError as error:
                form.add_error("file", str(error))
            except roundtrip.ImportRefused as refusal:
                problems = refusal.problems
            else:
                self.message_user(request, summary(outcome), messages.SUCCESS)
                return redirect(reverse("admin:cms_pendingtranslation_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import translations (XLIFF)"),
            "form": form,
            "problems": problems,
            "file_name": getattr(request.FILES.get("file"), "name", ""),
        }
        return TemplateResponse(request, "admin/cms/story/import_xliff.html", context)


def summary(outcome):
    made = ngettext(
        "%(count)d translation proposed for review.",
        "%(count)d translations proposed for review.",
        len(outcome.proposals),
    ) % {"count": len(outcome.proposals)}
    if outcome.unchanged:
        made += " " + ngettext(
            "%(count)d story unchanged.", "%(count)d stories unchanged.", len(outcome.unchanged)
        ) % {"count": len(outcome.unchanged)}
    return made
