"""The sync log's pruning: when each entry was numbered, and how far the log was pruned."""

from django.db import migrations, models
from django.db.models import F


def numbered_when_written(apps, schema_editor):
    # Entries numbered before this migration: their writing time is the best bound known
    # (a little early, so a token of that time is at worst refused a little soon).
    SyncEntry = apps.get_model("cms", "SyncEntry")
    SyncEntry.objects.filter(seq__isnull=False).update(numbered_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0009_sync_kill"),
    ]

    operations = [
        migrations.CreateModel(
            name="SyncHorizon",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pruned_upto", models.BigIntegerField(default=0)),
                ("checked_upto", models.BigIntegerField(default=0)),
                ("pruned_at", models.DateTimeField(null=True)),
            ],
        ),
        migrations.AddField(
            model_name="syncentry",
            name="numbered_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddIndex(
            model_name="syncentry",
            index=models.Index(fields=["story_id", "seq"], name="sync_entry_story_seq_idx"),
        ),
        migrations.AddIndex(
            model_name="syncentry",
            index=models.Index(fields=["numbered_at", "seq"], name="sync_entry_numbered_at_idx"),
        ),
        migrations.RunPython(numbered_when_written, migrations.RunPython.noop),
    ]
