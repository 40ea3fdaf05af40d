"""The roles get what the editors' guide asks of them (steps 3a–3c): images, bylines and
the images of an analysis; translators the alt text, caption and credit of their languages."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _rows(model):
    return [f"{action}_{model}" for action in ("view", "add", "change", "delete")]


# The roles as this migration installs them (a migration keeps its own copy).
_READ_TAXONOMY = ["view_tag", "view_source"]
_READ_MEDIA = ["view_image", "view_author"]
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
ROLES = {
    "Writer": _WRITE,
    "Translator": ["view_story", "translate_story", *_READ_TAXONOMY, *_READ_MEDIA, "change_image"],
    "Editor": _EDIT,
    "Publisher": [*_EDIT, "publish_story"],
}


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        found = list(
            Permission.objects.filter(content_type__app_label="cms", codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in found}
        if missing:
            # As install_roles does: a role silently short of a permission is worse.
            raise LookupError(f"Permissions missing for {name}: {', '.join(sorted(missing))}")
        group.permissions.set(found)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cms", "0002_queued_task_paths"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
