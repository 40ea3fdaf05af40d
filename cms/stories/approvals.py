"""Translations of live stories wait for approval: a translator proposes, an editor decides.

A translator's save of a published story's language version (live or scheduled: readers
see it or will) is kept as a PendingTranslation instead of the version readers see. An
editor or publisher approves it, which writes it into the story through the story's own
save (so it is a version in the history, invalidates cached answers and tells webhooks),
or rejects it with a reason the translator reads. Drafts, stories in review and archived
stories are translated directly, as before.

A proposal remembers what the live version said when it was made; if that version changed
since (an editor's correction, another approval), approving it would silently undo that
change, so it is refused until the translator brings the proposal up to date.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core import languages
from cms.models import PendingTranslation, Story, StoryTranslation
from cms.models.pending import PROPOSED_FIELDS
from cms.stories import derive, publishing, revisions, workflow
from cms.stories.snapshots import comparable, language_name

TRANSLATE = "cms.translate_story"
# Longest reason for rejecting a proposal, in characters.
MAX_REASON = 1000


class ApprovalError(Exception):
    """A decision that cannot be taken, with a message for the editor."""


def shown(proposal):
    """The proposal as readers would see it: an unsaved version with its derived fields."""
    row = proposal.as_translation()
    derive.derive(row)
    return row


def may_review(user):
    """Whether `user` approves and rejects translators' proposals: editors and publishers."""
    return user.has_perm(workflow.REVIEW) or user.has_perm(workflow.PUBLISH)


def waits_for_approval(user, story):
    """Whether `user`'s change to `story`'s language version must wait for an editor."""
    return (
        story is not None
        and story.pk is not None
        and story.status == Story.Status.PUBLISHED
        and not user.has_perm(workflow.CHANGE)
        and user.has_perm(TRANSLATE)
    )


def pending(story_pk, language=None):
    """The story's proposals waiting for a decision (in one language if given)."""
    proposals = PendingTranslation.objects.pending().filter(story_id=story_pk)
    if language is not None:
        proposals = proposals.filter(language_code=language)
    return proposals.select_related("proposed_by")


def pending_languages(story_ids):
    """Story id to the languages proposals wait in, in the publication's order (one query)."""
    order = {code: position for position, code in enumerate(languages.codes())}
    found = {}
    rows = PendingTranslation.objects.pending().filter(story_id__in=story_ids)
    for story_id, code in rows.values_list("story_id", "language_code"):
        found.setdefault(story_id, []).append(code)
    return {
        pk: sorted(codes, key=lambda c: order.get(c, len(order))) for pk, codes in found.items()
    }


def latest(story_pk, language):
    """The newest proposal for the story's language, whatever became of it, or None."""
    return (
        PendingTranslation.objects.filter(story_id=story_pk, language_code=language)
        .select_related("proposed_by", "reviewed_by")
        .first()
    )


def _live(story_pk, language):
    return StoryTranslation.objects.filter(master_id=story_pk, language_code=language).first()


def _fingerprint(row):
    # The stored hash, so that lists can compare it in SQL (cms/admin/approvals.py).
    return row.content_hash if row is not None else ""


def _same(row, values):
    return row is not None and all(
        comparable(getattr(row, name)) == comparable(values[name]) for name in values
    )


def is_stale(proposal):
    """Whether the live version changed after the proposal was made."""
    return _fingerprint(_live(proposal.story_id, proposal.language_code)) != (
        proposal.base_content_hash
    )


def propose(story, language, values, user):
    """Keep `values` as the pending version of `story`'s `language`; None if nothing differs.

    The caller holds the story's row lock (the admin's save), so `story.edit_version` is the
    count the proposal is based on. A proposal equal to the live version is withdrawn.
    """
    values = {name: values[name] for name in PROPOSED_FIELDS if name in values}
    live = _live(story.pk, language)
    proposal = (
        PendingTranslation.objects.pending()
        .select_for_update()
        .filter(story_id=story.pk, language_code=language)
        .first()
    )
    if _same(live, values):
        if proposal is not None:
            proposal.delete()
        return None
    if proposal is None:
        proposal = PendingTranslation(story_id=story.pk, language_code=language)
        if live is not None:
            # Fields the form did not send keep what readers see now.
            for name in PROPOSED_FIELDS:
                setattr(proposal, name, getattr(live, name))
    for name, value in values.items():
        setattr(proposal, name, value)
    proposal.proposed_by = user
    proposal.proposed_at = timezone.now()
    proposal.base_edit_version = story.edit_version
    proposal.base_content_hash = _fingerprint(live)
    proposal.save()
    return proposal


def _decidable(proposal_pk, user):
    if not may_review(user):
        raise ApprovalError(_("Only editors and publishers approve or reject translations."))
    proposal = PendingTranslation.objects.select_for_update().filter(pk=proposal_pk).first()
    if proposal is None or proposal.status != PendingTranslation.Status.PENDING:
        raise ApprovalError(_("This translation is no longer waiting for approval."))
    return proposal


def _proposer(proposal):
    user = proposal.proposed_by
    return (user.get_full_name() or user.get_username()) if user else _("someone")


def approve(proposal_pk, user, now=None):
    """Write the proposal into the live story as `user`'s save; return the story."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _decidable(proposal_pk, user)
        code = proposal.language_code
        note = revisions.comment(
            revisions.TRANSLATION_APPROVED, language=code, user=_proposer(proposal)
        )
        with revisions.recorded(user, note):
            story = Story._base_manager.select_for_update().get(pk=proposal.story_id)
            if is_stale(proposal):
                raise ApprovalError(
                    _(
                        "The %(language)s version readers see changed after this translation "
                        "was proposed: approving it would undo that change. Ask the translator "
                        "to bring it up to date, or reject it."
                    )
                    % {"language": language_name(code)}
                )
            story.set_current_language(code)
            for name, value in proposal.values().items():
                setattr(story, name, value)
            story.get_translation(code).edited_by = proposal.proposed_by
            with publishing.change(story, now):
                story.mark_updated(now)
                story.save()
        proposal.status = PendingTranslation.Status.APPROVED
        proposal.reviewed_by = user
        proposal.reviewed_at = now
        proposal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return story


def reject(proposal_pk, user, reason, now=None):
    """Refuse the proposal, telling its translator why; readers' version stays as it is."""
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError(_("Say why the translation is rejected: its translator reads it."))
    if len(reason) > MAX_REASON:
        raise ApprovalError(
            _("Keep the reason under %(count)d characters.") % {"count": MAX_REASON}
        )
    with transaction.atomic():
        proposal = _decidable(proposal_pk, user)
        proposal.status = PendingTranslation.Status.REJECTED
        proposal.reviewed_by = user
        proposal.reviewed_at = now or timezone.now()
        proposal.reason = reason
        proposal.save(update_fields=["status", "reviewed_by", "reviewed_at", "reason"])
    return proposal
