"""Translators' changes to live stories in the admin: kept as proposals, decided by editors.

`TranslationApprovalMixin` goes first in the story admin's bases. When a translator saves
a published story's language tab, their version is kept as a proposal (cms/stories/approvals.py)
instead of being saved; their form then shows the proposal, so they go on editing it. The
change form tells the translator what became of it, and shows editors each waiting
proposal with Approve and Reject. `PendingTranslationAdmin` lists proposals, with the same
decisions as list actions, and a review page comparing a proposal with what readers see.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cms.core import sharing
from cms.models import PendingTranslation, Story, StoryTranslation, assigned_languages
from cms.models.pending import PROPOSED_FIELDS
from cms.stories import approvals, snapshots, workflow

# Set on the request when a save was kept as a proposal: the proposal, or None if withdrawn.
KEPT_AS_PROPOSAL = "_kept_as_proposal"
PENDING = PendingTranslation.Status.PENDING


def _urls(proposal, back=None):
    """Where to review, approve and reject a proposal; decisions come back to `back`."""
    query = f"?{urlencode({'next': back})}" if back else ""
    key = [proposal.pk]
    return {
        "review_url": reverse("admin:cms_pendingtranslation_change", args=key),
        "approve_url": reverse("admin:cms_pendingtranslation_approve", args=key) + query,
        "reject_url": reverse("admin:cms_pendingtranslation_reject", args=key) + query,
        "preview_url": reverse("admin:cms_story_preview", args=[proposal.story_id])
        + "?"
        + urlencode({"language": proposal.language_code}),
        "story_url": reverse("admin:cms_story_change", args=[proposal.story_id])
        + "?"
        + urlencode({"language": proposal.language_code}),
    }


def _translator_only(user):
    return user.has_perm(approvals.TRANSLATE) and not user.has_perm(workflow.CHANGE)


class TranslationApprovalMixin:
    """A story admin's half: translators' saves of live stories become proposals."""

    def _waiting_proposal(self, request, obj):
        """The proposal a translator's form on `obj` edits, or None (cached per request)."""
        if obj is None or obj.pk is None or not approvals.waits_for_approval(request.user, obj):
            return None
        language = self.get_form_language(request, obj)
        cache = request.__dict__.setdefault("_waiting_proposals", {})
        if (obj.pk, language) not in cache:
            cache[obj.pk, language] = approvals.pending(obj.pk, language).first()
        return cache[obj.pk, language]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        proposal = self._waiting_proposal(request, obj)
        if proposal is None:
            return form
        proposed = proposal.values()

        def __init__(self, *args, **kwargs):
            form.__init__(self, *args, **kwargs)
            # The translator goes on from their proposal, not from what readers see.
            self.initial.update(proposed)

        return type(form.__name__, (form,), {"__init__": __init__})

    def keep_as_proposal(self, request, obj, form, change):
        """Keep a translator's save of a published story as a proposal; True if it was kept."""
        if not change:
            return False
        # The form locked the story's row (cms/admin/concurrency.py): this is its state.
        stored = Story._base_manager.only("status", "edit_version").filter(pk=obj.pk).first()
        if stored is None or not approvals.waits_for_approval(request.user, stored):
            return False
        values = {name: form.cleaned_data[name] for name in PROPOSED_FIELDS if name in form.fields}
        language = self.get_form_language(request, obj)
        setattr(
            request, KEPT_AS_PROPOSAL, approvals.propose(stored, language, values, request.user)
        )
        return True

    def log_change(self, request, obj, message):
        if hasattr(request, KEPT_AS_PROPOSAL):
            return None  # Nothing readers see changed: the story's history has no new version.
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if not hasattr(request, KEPT_AS_PROPOSAL):
            return super().response_change(request, obj)
        language = self.get_form_language(request, obj)
        names = {"language": snapshots.language_name(language)}
        if getattr(request, KEPT_AS_PROPOSAL) is None:
            self.message_user(
                request,
                _(
                    "Your %(language)s version is the same as the one readers see: "
                    "nothing waits for approval."
                )
                % names,
                messages.INFO,
            )
        else:
            self.message_user(
                request,
                _(
                    "Your change to the %(language)s version awaits an editor's approval. "
                    "Readers see the approved version until then; you can go on editing yours."
                )
                % names,
                messages.SUCCESS,
            )
        url = reverse("admin:cms_story_change", args=[obj.pk], current_app=self.admin_site.name)
        return HttpResponseRedirect(f"{url}?{urlencode({'language': language})}")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(self.approval_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def approval_context(self, request, obj):
        """What the form says of proposals: every one to editors, their own to translators."""
        if obj is None or obj.pk is None:
            return {}
        user = request.user
        if approvals.may_review(user):
            back = request.get_full_path()
            return {
                "pending_translations": [
                    {
                        "proposal": proposal,
                        "language": snapshots.language_name(proposal.language_code),
                        "stale": approvals.is_stale(proposal),
                        **_urls(proposal, back),
                    }
                    for proposal in approvals.pending(obj.pk)
                ]
            }
        language = self.get_form_language(request, obj)
        if not _translator_only(user) or language not in assigned_languages(user):
            return {}
        proposal = approvals.latest(obj.pk, language)
        if proposal is None or proposal.status == PendingTranslation.Status.APPROVED:
            return {}
        return {
            "own_proposal": proposal,
            "own_proposal_language": snapshots.language_name(language),
            "own_proposal_stale": proposal.status == PENDING and approvals.is_stale(proposal),
        }


def pending_preview(request, story, language):
    """What the preview shows instead when a proposal waits in `language`: it, marked as such.

    Shown to editors and to the language's translators; `?approved=1` shows readers' text.
    """
    user = request.user
    if request.GET.get("approved") or not (
        approvals.may_review(user)
        or (_translator_only(user) and language in assigned_languages(user))
    ):
        return {}
    proposal = approvals.pending(story.pk, language).first()
    if proposal is None:
        return {}
    url = reverse("admin:cms_story_preview", args=[story.pk])
    return {
        "shown": approvals.shown(proposal),
        "served": language,
        "canonical_url": sharing.canonical_url(story.slug, language),
        "pending": proposal,
        "approved_url": f"{url}?{urlencode({'language': language, 'approved': 1})}",
    }


def _next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@admin.register(PendingTranslation)
class PendingTranslationAdmin(admin.ModelAdmin):
    """Proposals by translators, newest first; editors approve or reject them here."""

    list_display = (
        "story_column",
        "language_code",
        "proposed_by",
        "proposed_at",
        "status",
        "stale_column",
    )
    list_filter = ("status", "language_code")
    list_select_related = ("story", "proposed_by")
    actions = ["approve_selected", "reject_selected"]
    list_per_page = 50

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/approve/",
                wrap(self.approve_view),
                name="cms_pendingtranslation_approve",
            ),
            path(
                "<path:object_id>/reject/",
                wrap(self.reject_view),
                name="cms_pendingtranslation_reject",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        live = StoryTranslation.objects.filter(
            master_id=OuterRef("story_id"), language_code=OuterRef("language_code")
        )
        proposals = (
            super()
            .get_queryset(request)
            .prefetch_related("story__translations")
            .annotate(live_hash=Subquery(live.values("content_hash")[:1]))
        )
        if approvals.may_review(request.user):
            return proposals
        return proposals.filter(language_code__in=assigned_languages(request.user))

    # Editors and publishers decide; translators see their languages' proposals.

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        if approvals.may_review(user):
            return True
        if _translator_only(user):
            return obj is None or obj.language_code in assigned_languages(user)
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Proposals go with their story, whoever may delete it; they are never deleted alone.
        if obj is None:
            return False
        return self.admin_site.get_model_admin(Story).has_delete_permission(request, obj.story)

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def has_review_permission(self, request):
        return approvals.may_review(request.user)

    @admin.display(description=gettext_lazy("story"), ordering="story")
    def story_column(self, obj):
        return str(obj.story)

    @admin.display(description=gettext_lazy("outdated"))
    def stale_column(self, obj):
        # Only a waiting proposal can be overtaken; "yes" is the one worth seeing.
        stale = obj.status == PENDING and (obj.live_hash or "") != obj.base_content_hash
        return _("yes") if stale else ""

    # The review page, and the decisions.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, unquote(object_id))
        if proposal is None:
            raise Http404(_("No such pending translation."))
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        story = proposal.story
        changes = snapshots.diff(
            snapshots.snapshot_of_story(story),
            snapshots.snapshot_with_translation(story, proposal.language_code, proposal.values()),
        )
        request.current_app = self.admin_site.name
        back = reverse("admin:cms_pendingtranslation_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Pending translation: %(story)s") % {"story": story},
            "subtitle": None,
            "proposal": proposal,
            "story": story,
            "language": snapshots.language_name(proposal.language_code),
            "changes": changes,
            "waiting": proposal.status == PENDING,
            "stale": proposal.status == PENDING and approvals.is_stale(proposal),
            "may_decide": approvals.may_review(request.user),
            **_urls(proposal, back),
        }
        return TemplateResponse(request, "admin/cms/pendingtranslation/review.html", context)

    def _decision(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        if not approvals.may_review(request.user):
            raise PermissionDenied
        proposal = PendingTranslation.objects.filter(pk=_pk(object_id)).first()
        if proposal is None:
            raise Http404(_("No such pending translation."))
        return proposal, None

    def approve_view(self, request, object_id):
        proposal, refusal = self._decision(request, object_id)
        if refusal:
            return refusal
        try:
            approvals.approve(proposal.pk, request.user)
        except approvals.ApprovalError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _approved_message(proposal), messages.SUCCESS)
        return HttpResponseRedirect(
            _next(request, reverse("admin:cms_pendingtranslation_changelist"))
        )

    def reject_view(self, request, object_id):
        proposal, refusal = self._decision(request, object_id)
        if refusal:
            return refusal
        try:
            approvals.reject(proposal.pk, request.user, request.POST.get("reason"))
        except approvals.ApprovalError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _rejected_message(proposal), messages.SUCCESS)
        return HttpResponseRedirect(
            _next(request, reverse("admin:cms_pendingtranslation_changelist"))
        )

    @admin.action(
        description=gettext_lazy("Approve the selected translations"), permissions=["review"]
    )
    def approve_selected(self, request, queryset):
        done = 0
        for proposal in queryset:
            try:
                approvals.approve(proposal.pk, request.user)
            except approvals.ApprovalError as error:
                self.message_user(request, f"{proposal}: {error}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d translation approved: readers see it now.",
                    "%(count)d translations approved: readers see them now.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(
        description=gettext_lazy("Reject the selected translations…"), permissions=["review"]
    )
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason")
        if reason is not None and reason.strip():
            done = 0
            for proposal in queryset:
                try:
                    approvals.reject(proposal.pk, request.user, reason)
                except approvals.ApprovalError as error:
                    self.message_user(request, f"{proposal}: {error}", messages.WARNING)
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d translation rejected.",
                        "%(count)d translations rejected.",
                        done,
                    )
                    % {"count": done},
                    messages.SUCCESS,
                )
            return None
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reject translations"),
            "subtitle": None,
            "proposals": list(queryset),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "reason_missing": reason is not None,
        }
        return TemplateResponse(
            request, "admin/cms/pendingtranslation/reject_selected.html", context
        )


def _pk(object_id):
    try:
        return int(unquote(object_id))
    except (TypeError, ValueError):
        raise Http404(_("No such pending translation.")) from None


def _approved_message(proposal):
    return _("Approved: readers now see the new %(language)s version of “%(story)s”.") % {
        "language": snapshots.language_name(proposal.language_code),
        "story": proposal.story,
    }


def _rejected_message(proposal):
    return _("Rejected the %(language)s version proposed for “%(story)s”.") % {
        "language": snapshots.language_name(proposal.language_code),
        "story": proposal.story,
    }
