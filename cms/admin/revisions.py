"""A story's history in the admin: every save a version; compare any two; revert to one.

`RevisionMixin` goes before TranslatableAdmin in a model admin's bases. It records every
save through the admin as a version with its user (cms/stories/revisions.py), replaces the history
page with the list of versions, and adds a diff view and a revert view. reversion's own
VersionAdmin is not used: its revert re-renders the change form inside a rolled-back
transaction, which shows parler's cached translation (one language tab) rather than the
version's, and restores the old `edit_version`, which would let stale forms save.
"""

import json
from contextlib import nullcontext

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.errors import RevertError

from cms.models import StoryTag
from cms.stories import revisions, snapshots

HISTORY_PAGE_SIZE = 50
BASE_VERSION = "base_version"


class RevisionMixin:
    """Versions, history, diffs and reverts for a model admin of stories."""

    def _url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def _url(self, view, *args, **query):
        url = reverse(f"{self.admin_site.name}:{self._url_name(view)}", args=args)
        query = {key: value for key, value in query.items() if value is not None}
        return f"{url}?{urlencode(query)}" if query else url

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/diff/",
                wrap(self.revision_diff_view),
                name=self._url_name("diff"),
            ),
            path(
                "<path:object_id>/history/<int:version_id>/revert/",
                wrap(self.revert_view),
                name=self._url_name("revert"),
            ),
            *super().get_urls(),
        ]

    # Every save through the admin is a version, by the user who made it.

    def add_view(self, request, form_url="", extra_context=None):
        with self._recorded(request):
            return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method in ("GET", "HEAD"):
            # The form about to open must be comparable with what is saved after it.
            self._record_if_unrecorded(object_id)
        with self._recorded(request):
            return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        # List actions and list editing save stories too.
        with self._recorded(request, revisions.comment(revisions.LIST_CHANGE)):
            return super().changelist_view(request, extra_context)

    def delete_translation(self, request, object_id, language_code):
        if request.method != "POST":
            return super().delete_translation(request, object_id, language_code)
        note = revisions.comment(revisions.TRANSLATION_DELETED, language=language_code)
        with revisions.recorded(request.user, note):
            response = super().delete_translation(request, object_id, language_code)
            if response.status_code in (301, 302):
                # Open forms of the story must notice that a language went away.
                revisions.count_save(unquote(object_id))
        return response

    def _recorded(self, request, note=None):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return nullcontext()
        return revisions.recorded(request.user, note)

    def _record_if_unrecorded(self, object_id):
        try:
            pk = self.opts.pk.to_python(unquote(object_id))
        except ValidationError:  # A malformed id: the change view answers it.
            return
        revisions.record_if_unrecorded(pk)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        revisions.set_comment_if_recording(self._comment(request, obj, entry))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        revisions.set_comment_if_recording(self._comment(request, obj, entry))
        return entry

    def _comment(self, request, obj, entry):
        """The admin's change message, and the workflow step the save took, if any: a
        step that changed no field still says what happened."""
        step = request.POST.get("_workflow") if request.method == "POST" else None
        if not step:
            return entry.change_message
        items = json.loads(entry.change_message or "[]")
        state = getattr(getattr(obj, "state", None), "value", None)
        items.append({revisions.WORKFLOW: {"step": step, "state": state}})
        return json.dumps(items)

    # The form carries the version it was opened at (cms/admin/concurrency.py).

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if hasattr(form, "also_writes"):
            # The tags are the form's to write only when the tag inline comes with it.
            inlines = self.get_inlines(request, obj)
            writes_tags = any(getattr(inline, "model", None) is StoryTag for inline in inlines)
            form.also_writes = ("tags",) if writes_tags else ()
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        form_fields = getattr(self.form, "base_fields", {})
        if (
            obj is None
            or BASE_VERSION not in form_fields
            or not self.has_change_permission(request, obj)
            or any(BASE_VERSION in options.get("fields", ()) for _name, options in fieldsets)
        ):
            return fieldsets
        # A hidden input in the first fieldset: the admin renders only fieldsets' fields.
        (name, options), *rest = fieldsets
        first = (name, {**options, "fields": (*options.get("fields", ()), BASE_VERSION)})
        return [first, *rest]

    # Views.

    def _story(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No story with that id."))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _version(self, obj, raw):
        """The version of `obj` whose id is `raw` (text from the address), or 404."""
        try:
            version_id = int(raw)
        except (TypeError, ValueError):
            raise Http404(_("No such version of this story.")) from None
        version = revisions.versions_of(obj.pk).filter(pk=version_id).first()
        if version is None:
            raise Http404(_("No such version of this story."))
        return version

    def may_revert(self, request, obj):
        """Reverting rewrites the whole story: it takes the right to change stories."""
        opts = self.opts
        return self.has_change_permission(request, obj) and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def languages_kept_on_revert(self, request, obj):
        """The story's language versions `request`'s user may not delete: a revert keeps them."""
        return {
            row.language_code
            for row in obj.translations.all()
            if not self.has_delete_permission(request, row)
        }

    def _context(self, request, obj, title, **extra):
        request.current_app = self.admin_site.name
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "history_url": self._url("history", quote(obj.pk)),
            "change_url": self._url("change", quote(obj.pk)),
            **extra,
        }

    def _describe(self, version):
        return {
            "version": version,
            "date": version.revision.date_created,
            "author": revisions.author(version.revision),
            "comment": revisions.describe(version.revision),
        }

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        revisions.record_if_unrecorded(obj.pk)
        versions = revisions.versions_of(obj.pk)
        latest = versions.first()
        page = Paginator(versions, HISTORY_PAGE_SIZE).get_page(request.GET.get("p"))
        key = quote(obj.pk)
        rows = []
        for version in page:
            current = latest is not None and version.pk == latest.pk
            rows.append(
                {
                    **self._describe(version),
                    "current": current,
                    "diff_url": self._url("diff", key, to=version.pk),
                    "current_url": None
                    if current
                    else self._url("diff", key, **{"from": version.pk, "to": latest.pk}),
                    "revert_url": None if current else self._url("revert", key, version.pk),
                }
            )
        context = self._context(
            request,
            obj,
            _("History: %s") % obj,
            rows=rows,
            page=page,
            diff_form_url=self._url("diff", key),
            can_revert=self.may_revert(request, obj),
            **(extra_context or {}),
        )
        return TemplateResponse(
            request,
            [
                f"admin/{self.opts.app_label}/{self.opts.model_name}/object_history.html",
                "admin/object_history.html",
            ],
            context,
        )

    def revision_diff_view(self, request, object_id):
        """What changed between two versions (?from=&to=; default: one and the one before)."""
        obj = self._story(request, object_id)
        revisions.record_if_unrecorded(obj.pk)
        versions = revisions.versions_of(obj.pk)
        if "to" in request.GET:
            new = self._version(obj, request.GET["to"])
        else:
            new = versions.first()
            if new is None:
                raise Http404(_("This story has no recorded versions."))
        if "from" in request.GET:
            old = self._version(obj, request.GET["from"])
        else:
            old = versions.filter(pk__lt=new.pk).first()
        try:
            changes = snapshots.diff(
                snapshots.snapshot_of_version(old) if old else None,
                snapshots.snapshot_of_version(new),
            )
        except RevertError as error:
            raise Http404(str(error)) from error
        key = quote(obj.pk)
        may_revert = self.may_revert(request, obj)
        latest = versions.first()
        reverts = [
            {**self._describe(version), "url": self._url("revert", key, version.pk)}
            for version in (old, new)
            if may_revert and version is not None and version.pk != latest.pk
        ]
        context = self._context(
            request,
            obj,
            _("Changes: %s") % obj,
            old=self._describe(old) if old else None,
            new=self._describe(new),
            changes=changes,
            reverts=reverts,
        )
        return TemplateResponse(
            request,
            f"admin/{self.opts.app_label}/{self.opts.model_name}/revision_diff.html",
            context,
        )

    def revert_view(self, request, object_id, version_id):
        """GET: what reverting to the version would change; POST: revert."""
        obj = self._story(request, object_id)
        version = self._version(obj, version_id)
        if not self.may_revert(request, obj):
            raise PermissionDenied
        # What the user may not edit, a revert by them does not change either; nor does it
        # delete a language version they may not delete.
        kept = set(self.get_readonly_fields(request, obj))
        kept_languages = self.languages_kept_on_revert(request, obj)
        if request.method == "POST":
            try:
                warnings = revisions.revert(
                    obj.pk, version, request.user, keep=kept, keep_languages=kept_languages
                )
            except RevertError as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(self._url("history", quote(obj.pk)))
            messages.success(
                request,
                _("The story was reverted to the version of %(date)s, and saved as a new version.")
                % {"date": revisions.format_time(version.revision.date_created)},
            )
            for warning in warnings:
                messages.warning(request, warning)
            return HttpResponseRedirect(self._url("change", quote(obj.pk)))
        try:
            target = snapshots.snapshot_of_version(version)
            dropped = [
                code
                for code in obj.translations.values_list("language_code", flat=True)
                if code not in target["languages"]
            ]
            changes = [
                change
                for change in snapshots.diff(snapshots.snapshot_of_story(obj), target)
                if change.field not in revisions.KEPT_ON_REVERT | kept
                and not (change.language in dropped and change.language in kept_languages)
            ]
        except RevertError as error:
            raise Http404(str(error)) from error
        context = self._context(
            request,
            obj,
            _("Revert: %s") % obj,
            old=None,
            new=self._describe(version),
            changes=changes,
            revert=self._describe(version),
            revert_url=self._url("revert", quote(obj.pk), version.pk),
            languages_kept=[snapshots.language_name(c) for c in dropped if c in kept_languages],
            languages_deleted=[
                snapshots.language_name(c) for c in dropped if c not in kept_languages
            ],
            readers_see_it=obj.status == obj.Status.PUBLISHED,
        )
        return TemplateResponse(
            request,
            f"admin/{self.opts.app_label}/{self.opts.model_name}/revision_diff.html",
            context,
        )
