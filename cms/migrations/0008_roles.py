from django.contrib.auth.management import create_permissions
from django.db import migrations


# The roles as this migration installed them (a migration keeps its own copy: later
# migrations change them).
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
ROLES = {
    "Writer": _WRITE,
    "Translator": ["view_story", "translate_story", *_READ_TAXONOMY],
    "Editor": _EDIT,
    "Publisher": [*_EDIT, "publish_story"],
}


def install_roles(group_model, permission_model):
    for name, codenames in ROLES.items():
        group, _created = group_model.objects.get_or_create(name=name)
        permissions = permission_model.objects.filter(
            content_type__app_label="cms", codename__in=codenames
        )
        group.permissions.set(permissions)


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    install_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cms", "0007_newsroom"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
