"""Tasks queued before the move into capability packages run after it (cms migration 0002)."""

import ast
import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from cms.models import Story
from tests.factories import make_story

BASE = Path(settings.BASE_DIR)
TASK_PATHS = importlib.import_module("cms.migrations.0002_queued_task_paths")
BEFORE = ("cms", "0001_squashed_0021_story_images")
# Task functions whose path the move left as it was.
NOT_MOVED = {"api.caching.purge.send"}


def task_functions():
    """The dotted path of every function decorated with `@task` in cms/ and api/."""
    found = set()
    for folder in ("cms", "api"):
        for path in sorted((BASE / folder).rglob("*.py")):
            module = ".".join(path.relative_to(BASE).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    is_task(decorator) for decorator in node.decorator_list
                ):
                    found.add(f"{module}.{node.name}")
    return found


def is_task(decorator):
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    name = decorator.attr if isinstance(decorator, ast.Attribute) else getattr(decorator, "id", "")
    return name == "task"


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def newest():
    """The newest cms migration (0002 and all after it): each test leaves the database as
    the rest of the suite needs it, with every table of the current models."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes("cms")[0]


def queue(task_path, status="READY", **fields):
    return DBTaskResult.objects.create(
        task_path=task_path,
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
        **fields,
    )


def test_every_task_function_in_cms_and_api_is_where_the_migration_sends_its_queued_tasks():
    found = task_functions()
    assert found == set(TASK_PATHS.MOVED.values()) | NOT_MOVED, (
        "A task function was added or moved: tasks queued under its old path need a migration "
        "that rewrites them, like cms/migrations/0002_queued_task_paths.py"
    )
    for new in found:
        task = import_string(new)
        assert isinstance(task, Task) and task.module_path == new
    for old in TASK_PATHS.MOVED:
        with pytest.raises(ImportError):
            import_string(old)


@pytest.mark.django_db(transaction=True)
def test_unfinished_tasks_take_their_new_paths_and_finished_ones_keep_theirs():
    migrate_to(BEFORE)
    try:
        rows = {
            (old, status): queue(old, status)
            for old in TASK_PATHS.MOVED
            for status in ("READY", "RUNNING", "SUCCESSFUL", "FAILED")
        }
        purge = queue("api.caching.purge.send")
    finally:
        migrate_to(newest())
    for (old, status), row in rows.items():
        row.refresh_from_db()
        unfinished = status in ("READY", "RUNNING")
        assert row.task_path == (TASK_PATHS.MOVED[old] if unfinished else old), (old, status)
    purge.refresh_from_db()
    assert purge.task_path == "api.caching.purge.send"
    # Unmigrating (back to the code before the move) gives unfinished tasks their old paths.
    migrate_to(BEFORE)
    try:
        assert {row.task_path for row in DBTaskResult.objects.filter(status="READY")} == {
            *TASK_PATHS.MOVED,
            "api.caching.purge.send",
        }
    finally:
        migrate_to(newest())


@pytest.mark.django_db(transaction=True)
def test_a_story_scheduled_before_the_move_goes_live_after_it_when_the_worker_runs():
    story = make_story("scheduled", hours_ago=-1)
    assert story.live_since is None
    # Back before the move, the scheduler's task is known by its old path ...
    migrate_to(BEFORE)
    try:
        queued = DBTaskResult.objects.get(status="READY")
        assert queued.task_path == "cms.publishing.go_live"
        # ... and its time comes while the old code is still running.
        Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(minutes=1))
        DBTaskResult.objects.filter(pk=queued.pk).update(run_after=timezone.now())
    finally:
        migrate_to(newest())
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    queued.refresh_from_db()
    assert (queued.task_path, queued.status) == ("cms.stories.publishing.go_live", "SUCCESSFUL")
    assert Story.objects.get(pk=story.pk).live_since is not None
