"""Workflow steps in the admin: buttons on the change form and actions on the list."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cms.disclosure import rules as disclosure
from cms.stories import publishing, revisions, workflow

STEP_FIELD = "_workflow"
WENT_LIVE = gettext_lazy(
    "This story went live while you were editing it; ask an editor to make the change."
)


def requested_step(request):
    """The workflow button the editor pressed, if any."""
    if request.method != "POST":
        return None
    return request.POST.get(STEP_FIELD) or None


class WorkflowFormMixin:
    """Refuses a workflow button the editor may not press, before anything is saved."""

    request = None  # Set by WorkflowMixin.get_form.

    def clean(self):
        # The base classes lock the story's row and bring this instance up to date first
        # (cms/admin/concurrency.py), so its state is the stored one.
        cleaned = super().clean()
        if self.request is None:
            return cleaned
        user = self.request.user
        editing = self.instance.pk and user.has_perm(workflow.CHANGE)
        if editing and not workflow.may_edit(user, self.instance):
            # It was published while the form was open: a writer's edit waits for review.
            # The refused page still shows their form as typed (not read-only), so that
            # they can hand their text to an editor (StoryAdmin.has_change_permission).
            self.request.refused_as_gone_live = True
            raise ValidationError(WENT_LIVE)
        step = requested_step(self.request)
        if step == "archive" and not self.instance.pk:
            raise ValidationError(_("A story that is not saved yet cannot be archived."))
        if step:
            publish_at = cleaned.get("published_at", self.instance.published_at)
            try:
                workflow.check(step, self.instance, self.request.user, publish_at=publish_at)
            except workflow.TransitionError as error:
                raise ValidationError(str(error)) from None
            refusal = disclosure.step_refusal(step, self.instance, self.reviewing())
            if refusal:
                raise ValidationError(refusal)
        return cleaned


def _step_action(name):
    transition = workflow.TRANSITIONS[name]

    def action(modeladmin, request, queryset):
        revisions.set_comment_if_recording(revisions.comment(revisions.WORKFLOW, step=name))
        done, refused = 0, []
        for story in queryset:
            try:
                publishing.take(name, story, request.user)
            except workflow.TransitionError as error:
                refused.append(f"{story}: {error}")
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext(
                    "“%(step)s”: %(count)d story done.",
                    "“%(step)s”: %(count)d stories done.",
                    done,
                )
                % {"step": transition.label, "count": done},
                messages.SUCCESS,
            )
        for line in refused:
            modeladmin.message_user(request, line, messages.WARNING)

    permission = transition.least_permission.split(".")[1].removesuffix("_story")
    action.__name__ = f"{name}_stories"
    return admin.action(description=transition.label, permissions=[permission])(action)


class WorkflowMixin:
    """Workflow buttons under the story form and the same steps as list actions."""

    actions = [_step_action(name) for name in workflow.TRANSITIONS]

    def has_review_permission(self, request):
        return request.user.has_perm(workflow.REVIEW)

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.PUBLISH)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def workflow_context(self, request, obj):
        """The state and the buttons the editor may press, for the change form."""
        from cms.models import Story

        story = obj or Story()
        if obj is not None and not self.has_change_permission(request, obj):
            return {}
        buttons = workflow.available(story, request.user)
        if story.pk is None:
            # A story that does not exist yet has nothing to put away.
            buttons = [step for step in buttons if step.name != "archive"]
        return {"workflow_state": story.state.label, "workflow_buttons": buttons}

    def save_model(self, request, obj, form, change):
        # The one transition: stepped here, announced once the tags are saved too.
        step = requested_step(request)
        request.story_change = publishing.Change(obj)
        if step:
            # "Publish now" is now; "Schedule" is at the form's publish time.
            publish_at = obj.published_at if step == "schedule" else None
            request.story_change.step(step, publish_at=publish_at)
        super().save_model(request, obj, form, change)
        if step:
            self.message_user(
                request,
                _("“%(step)s”: done. The story is now “%(state)s”.")
                % {"step": workflow.TRANSITIONS[step].label, "state": obj.state.label},
                messages.SUCCESS,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Publishing from the form is the editor's review of the version shown (saved now).
        if requested_step(request) in disclosure.REVIEWING_STEPS:
            disclosure.record_review(form.instance, request.user, form.reviewing())
        # A translator's change to a live story is kept as a proposal: nothing changed.
        story_change = getattr(request, "story_change", None)
        if story_change is not None:
            story_change.finish()

    def delete_translation(self, request, object_id, language_code):
        response = super().delete_translation(request, object_id, language_code)
        if request.method == "POST" and response.status_code in (301, 302):
            story = self.get_object(request, unquote(object_id))
            if story is not None:
                # Readers of that language now see the fallback.
                publishing.announce(story)
        return response

    def delete_model(self, request, obj):
        publishing.withdraw(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for story in queryset:
            publishing.withdraw(story)
        super().delete_queryset(request, queryset)

    def _stay_after_step(self, request):
        # After a workflow button the editor stays on the story, as with "Save and continue".
        if requested_step(request) and "_continue" not in request.POST:
            request.POST = request.POST.copy()
            request.POST["_continue"] = "1"

    def response_add(self, request, obj, post_url_continue=None):
        self._stay_after_step(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._stay_after_step(request)
        return super().response_change(request, obj)
