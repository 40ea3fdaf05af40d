"""The newsroom's roles, as auth groups: who may write, translate, review and publish.

Installed by migration 0001 (with a copy of these lists, as they were when it was written)
and kept in step by `manage.py install_roles`. A group's permissions are set to exactly
these, so that re-running it repairs a hand-edited group.
"""

from django.utils.translation import gettext_noop

WRITER = gettext_noop("Writer")
TRANSLATOR = gettext_noop("Translator")
EDITOR = gettext_noop("Editor")
PUBLISHER = gettext_noop("Publisher")

_READ_TAXONOMY = ["view_tag", "view_source"]
_WRITE = [
    "view_story",
    "add_story",
    "change_story",
    "add_storytag",
    "change_storytag",
    "delete_storytag",
    "view_storytag",
    "add_tag",
    *_READ_TAXONOMY,
]
_EDIT = [
    *_WRITE,
    "review_story",
    "delete_story",
    "change_tag",
    "delete_tag",
    "add_source",
    "change_source",
]

# Group name to codenames of the `cms` app's permissions.
ROLES = {
    WRITER: _WRITE,
    TRANSLATOR: ["view_story", "translate_story", *_READ_TAXONOMY],
    EDITOR: _EDIT,
    PUBLISHER: [*_EDIT, "publish_story"],
}


def install_roles(group_model, permission_model):
    """Create or repair the role groups; the models may be historical ones (migrations)."""
    for name, codenames in ROLES.items():
        group, _created = group_model.objects.get_or_create(name=name)
        permissions = list(
            permission_model.objects.filter(content_type__app_label="cms", codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise LookupError(f"Permissions missing for {name}: {', '.join(sorted(missing))}")
        group.permissions.set(permissions)
