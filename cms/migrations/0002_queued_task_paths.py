"""Tasks queued before the move into capability packages follow their functions.

The database task queue (django_tasks_db) stores each task as its function's dotted path and
the worker imports it by that path when the task is due. The functions moved (for example
`cms.webhooks.deliver` to `cms.partners.webhooks.deliver`), so a task queued before the move
and not yet run would fail to start: a webhook never delivered, a scheduled story never
announced, an expired story still counted. Its path is rewritten to where the function is
now. Finished tasks keep the path they ran under, as history.

`api.caching.purge.send`, the one task outside `cms`, did not move.
"""

from django.db import migrations

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

    operations = [migrations.RunPython(forwards, backwards)]
