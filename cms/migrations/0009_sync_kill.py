"""Partners' sync (the change log) and kills (status, notice, permission for publishers)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# What this migration adds to the roles (a migration keeps its own copy): publishers kill.
ROLE_ADDITIONS = {"Publisher": ["kill_story"]}


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the role needs this one now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_ADDITIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        found = list(
            Permission.objects.filter(content_type__app_label="cms", codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in found}
        if missing:
            raise LookupError(f"Permissions missing for {name}: {', '.join(sorted(missing))}")
        group.permissions.add(*found)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cms", "0008_live_coverage"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="story",
            options={
                "ordering": ["-published_at", "-pk"],
                "permissions": [
                    ("review_story", "Can review stories: send back, archive, edit live stories"),
                    ("publish_story", "Can publish, schedule and unpublish stories"),
                    ("translate_story", "Can translate stories into assigned languages"),
                    (
                        "kill_story",
                        "Can kill stories: take them down everywhere, partners included",
                    ),
                ],
                "verbose_name": "story",
                "verbose_name_plural": "stories",
            },
        ),
        migrations.AddField(
            model_name="story",
            name="kill_notice",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="Why the story was killed, by language: partners receive it.",
                verbose_name="kill notice",
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="killed_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="killed"
            ),
        ),
        migrations.AlterField(
            model_name="story",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("review", "In review"),
                    ("published", "Published"),
                    ("archived", "Archived"),
                    ("killed", "Killed"),
                ],
                default="draft",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event",
            field=models.CharField(
                choices=[
                    ("story.published", "A story was published"),
                    ("story.updated", "A published story was updated"),
                    ("story.unpublished", "A story was unpublished"),
                    ("live.entry_published", "A live entry was published"),
                    ("live.entry_corrected", "A live entry was corrected"),
                    ("live.ended", "A story's live coverage ended"),
                    ("story.killed", "A story was killed (taken down everywhere, with a notice)"),
                ],
                max_length=40,
                verbose_name="event",
            ),
        ),
        migrations.CreateModel(
            name="SyncEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("story_id", models.BigIntegerField()),
                ("seq", models.BigIntegerField(null=True, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("seq__isnull", True)),
                        fields=["id"],
                        name="sync_entry_unnumbered_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
