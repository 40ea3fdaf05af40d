"""The newsroom's roles, as auth groups: who may write, translate, review and publish.

Installed by the migrations (each change of the roles is a data migration with its own
copy of them) and kept in step by `manage.py install_roles`. A group's permissions are set
to exactly these, so that re-running it repairs a hand-edited group.
"""

from django.utils.translation import gettext, gettext_noop

WRITER = gettext_noop("Writer")
TRANSLATOR = gettext_noop("Translator")
EDITOR = gettext_noop("Editor")
PUBLISHER = gettext_noop("Publisher")

_READ_TAXONOMY = ["view_tag", "view_source"]
# Pickers (autocomplete) list what the user may view: images for the lead image and the
# analysis, authors for the byline and the responsible editor.
_READ_MEDIA = ["view_image", "view_author"]


def _rows(model):
    return [f"{action}_{model}" for action in ("view", "add", "change", "delete")]


# The guide's steps 3a–3c: upload and describe images, sign the story, list its images.
_MEDIA = [
    *_READ_MEDIA,
    "add_image",
    "change_image",
    "add_author",
    *_rows("storyauthor"),
    *_rows("storyimage"),
]
_WRITE = [
    "view_story",
    "add_story",
    "change_story",
    *_rows("storytag"),
    "add_tag",
    *_READ_TAXONOMY,
    *_MEDIA,
]
_EDIT = [
    *_WRITE,
    "review_story",
    "delete_story",
    "change_tag",
    "delete_tag",
    "add_source",
    "change_source",
    "delete_image",
    "change_author",
]

# Group name to codenames of the `cms` app's permissions.
ROLES = {
    WRITER: _WRITE,
    # A translator writes their languages' alt text, caption and credit of images
    # (cms/admin/media.py keeps the rest of an image read-only for them).
    TRANSLATOR: ["view_story", "translate_story", *_READ_TAXONOMY, *_READ_MEDIA, "change_image"],
    EDITOR: _EDIT,
    # Publishers also kill: the legal or factual takedown of a story, partners included.
    PUBLISHER: [*_EDIT, "publish_story", "kill_story"],
}


def install_roles(group_model, permission_model, roles=None):
    """Create or repair the role groups (`roles`, default `ROLES`); the models may be
    historical ones (migrations, which pass their own copy of the roles)."""
    for name, codenames in (roles or ROLES).items():
        group, _created = group_model.objects.get_or_create(name=name)
        permissions = list(
            permission_model.objects.filter(content_type__app_label="cms", codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise LookupError(f"Permissions missing for {name}: {', '.join(sorted(missing))}")
        group.permissions.set(permissions)


def roles_with(codename):
    """The roles (names in the active language) whose permissions include `codename`."""
    return [gettext(name) for name, codenames in ROLES.items() if codename in codenames]
