"""Tasks queued before the move into capability packages follow their functions.

The database task queue (django_tasks_db) stores each task as its function's dotted path and
the worker imports it by that path when the task is due. The functions moved (for example
`cms.webhooks.deliver` to `cms.partners.webhooks.deliver`), so a task queued before the move
and not yet run would fail to start: a webhook never delivered, a scheduled story never
announced, an expired story still counted. Its path is rewritten to where the function is
now. Finished tasks keep the path they ran under, as history.

`api.caching.purge.send`, the one task outside `cms`, did not move.

This is also the first migration a database stopped part-way through the chain before the
squash would run: Django skips a squash whose replaced migrations are only partly applied,
and those files are gone. Such a database is refused here, before anything of `cms` changes.
"""

from django.core.management.base import CommandError
from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

# Old path to new path, for every task function that moved.
MOVED = {
    "cms.counter_flush.flush_window": "cms.counting.flush.flush_window",
    "cms.publishing.expire": "cms.stories.publishing.expire",
    "cms.publishing.go_live": "cms.stories.publishing.go_live",
    "cms.ranking.rank_stories": "cms.counting.ranking.rank_stories",
    "cms.ranking.rank_story": "cms.counting.ranking.rank_story",
    "cms.renditions.make_all": "cms.media.renditions.make_all",
    "cms.webhooks.deliver": "cms.partners.webhooks.deliver",
}

# Queued (READY) or started and not yet done (RUNNING); SUCCESSFUL and FAILED are finished.
UNFINISHED = ("READY", "RUNNING")


def refuse_a_database_part_way_through_the_old_chain(apps, schema_editor):
    # A CommandError: `manage.py migrate` shows its message alone, without a traceback.
    recorder = MigrationRecorder(schema_editor.connection)
    applied = {name for app, name in recorder.applied_migrations() if app == "cms"}
    # The old chain ran in one line from 0001_initial to 0021_story_images.
    if "0001_initial" in applied and "0021_story_images" not in applied:
        raise CommandError(
            "This database stopped part-way through the cms migrations from before they were "
            "squashed (it has " + ", ".join(sorted(applied)) + "). Migrate it to "
            "0021_story_images with the code of commit 8f94aed, then migrate again."
        )


def rewrite(apps, schema_editor, moves):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult").objects.using(
        schema_editor.connection.alias
    )
    for old, new in moves.items():
        tasks.filter(task_path=old, status__in=UNFINISHED).update(task_path=new)


def forwards(apps, schema_editor):
    rewrite(apps, schema_editor, MOVED)


def backwards(apps, schema_editor):
    # Back to the code before the move, which knows the functions by their old paths.
    rewrite(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_squashed_0021_story_images"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunPython(
            refuse_a_database_part_way_through_the_old_chain, migrations.RunPython.noop
        ),
        migrations.RunPython(forwards, backwards),
    ]
