"""A new database and one migrated with the chain before the squash end with the same schema.

Two scratch databases on the suite's engine (SQLite files, or PostgreSQL databases named
after the test database and dropped afterwards), each built by `migrate` in a process of its
own (tests/project/migration_chain.py): one with the frozen old chain
(tests/data/old_migrations/), then switched to cms/migrations/; one with cms/migrations/ alone.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
SQUASH = "0001_squashed_0021_story_images"
TASK_PATHS = importlib.import_module("cms.migrations.0002_queued_task_paths")
OLD_CHAIN = sorted(path.stem for path in (BASE / "tests/data/old_migrations").glob("0*.py"))
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Queued under the old paths: unfinished (rewritten by 0002) and finished (kept).
QUEUED = [[old, "READY"] for old in TASK_PATHS.MOVED] + [
    ["cms.webhooks.deliver", "RUNNING"],
    ["cms.webhooks.deliver", "SUCCESSFUL"],
    ["cms.publishing.expire", "FAILED"],
    ["api.caching.purge.send", "READY"],
]


def run(url, steps, old=False):
    """Run `steps` (tests/project/migration_chain.py) against the database at `url`."""
    command = ["-m", "tests.project.migration_chain", *(["--old"] if old else [])]
    done = python(url, *command, json.dumps(steps))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def python(url, *arguments):
    """Run Python (`manage.py …`, or a module) against the database at `url`."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DATABASE_REPLICA_URLS", None)
    env.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


class Scratch:
    """Empty databases beside the test database, dropped at the end."""

    def __init__(self, folder):
        self.folder = folder
        self.made = []

    def __call__(self, label):
        if not POSTGRES:
            return f"sqlite:///{self.folder / label}.sqlite3"
        name = settings.DATABASES["default"]["NAME"]
        name = f"{name if name.startswith('test_') else 'test_' + name}_chain_{label}"
        self.admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()

    def admin(self, *statements):
        import psycopg

        database = settings.DATABASES["default"]
        params = {
            key: database[name]
            for key, name in (("host", "HOST"), ("port", "PORT"), ("user", "USER"))
            if database.get(name)
        }
        if database.get("PASSWORD"):
            params["password"] = database["PASSWORD"]
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
            for statement in statements:
                connection.execute(statement)

    def drop(self):
        for name in self.made:
            self.admin(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="module")
def chains(tmp_path_factory):
    """What each database went through and ended as."""
    scratch = Scratch(tmp_path_factory.mktemp("chains"))
    try:
        old_url, new_url, part_url = scratch("old"), scratch("new"), scratch("part")
        _migrated, *_queued, old_shown = run(
            old_url,
            [["migrate"], *[["enqueue", *task] for task in QUEUED], ["showmigrations"]],
            old=True,
        )
        old_plan, _migrated, old_shown_after, old_schema, old_tasks, old_plan_after = run(
            old_url, [["plan"], ["migrate"], ["showmigrations"], ["schema"], ["tasks"], ["plan"]]
        )
        new_plan, _migrated, new_shown, new_schema, new_plan_after = run(
            new_url, [["plan"], ["migrate"], ["showmigrations"], ["schema"], ["plan"]]
        )
        run(part_url, [["migrate", "cms", "0010_story_live_since"]], old=True)
        [part_plan] = run(part_url, [["plan"]])
        part_refusal = python(part_url, "manage.py", "migrate", "--noinput")
        part_shown, part_schema = run(part_url, [["showmigrations"], ["schema"]])
        [part_shown_old] = run(part_url, [["showmigrations"]], old=True)
    finally:
        scratch.drop()
    return {
        "part": {
            "plan": part_plan,
            "refusal": part_refusal,
            "shown": part_shown,
            "shown old": part_shown_old,
            "schema": part_schema,
        },
        "old": {
            "shown before": old_shown,
            "plan": old_plan,
            "shown": old_shown_after,
            "schema": old_schema,
            "tasks": old_tasks,
            "plan after": old_plan_after,
        },
        "new": {
            "plan": new_plan,
            "shown": new_shown,
            "schema": new_schema,
            "plan after": new_plan_after,
        },
    }


def after_squash():
    """The migrations written after the squash, in order (the task paths first)."""
    names = sorted(path.stem for path in (BASE / "cms/migrations").glob("0*.py"))
    return names[1:]


def test_the_chain_is_numbered_in_graph_order_without_gaps_or_twins():
    names = sorted(path.stem for path in (BASE / "cms/migrations").glob("0*.py"))
    assert names[:2] == [SQUASH, "0002_queued_task_paths"]
    for number, name in enumerate(names, start=1):
        migration = importlib.import_module(f"cms.migrations.{name}").Migration
        assert name.startswith(f"{number:04d}_")
        assert [dependency for dependency in migration.dependencies if dependency[0] == "cms"] == (
            [("cms", names[number - 2])] if number > 1 else []
        )


def test_the_squash_replaces_every_migration_of_the_old_chain():
    squash = importlib.import_module(f"cms.migrations.{SQUASH}").Migration
    assert sorted(name for _app, name in squash.replaces) == OLD_CHAIN
    assert len(OLD_CHAIN) == 20


def test_no_migration_runs_code_from_cms():
    # Fields name their validators and defaults by path, as Django records them; nothing
    # else from `cms` may be imported (it changes, a migration must not).
    allowed = {"cms.core.validators", "cms.core.netguard", "cms.models.webhook", "cms.core.text"}
    for path in sorted((BASE / "cms/migrations").glob("0*.py")):
        source = path.read_text(encoding="utf-8")
        imported = {
            line.split()[1]
            for line in source.splitlines()
            if line.lstrip().startswith(("import cms", "from cms"))
        }
        assert imported <= allowed, path.name


def test_a_database_migrated_with_the_old_chain_applies_only_what_came_after_the_squash(chains):
    old = chains["old"]
    assert old["shown before"] == ["cms", *[f" [X] {name}" for _number, name in numbered()]]
    assert old["plan"] == [f"cms.{name}" for name in after_squash()]
    assert old["shown"] == [
        "cms",
        f" [X] {SQUASH} (20 squashed migrations)",
        *[f" [X] {name}" for name in after_squash()],
    ]
    assert old["plan after"] == []


def test_a_new_database_applies_the_squash_then_what_came_after_it(chains):
    new = chains["new"]
    cms_plan = [step for step in new["plan"] if step.startswith("cms.")]
    assert cms_plan == [f"cms.{SQUASH}", *[f"cms.{name}" for name in after_squash()]]
    assert new["shown"] == chains["old"]["shown"]
    assert new["plan after"] == []


def test_a_database_stopped_part_way_through_the_old_chain_is_refused_and_left_as_it_was(chains):
    part = chains["part"]
    # Django leaves out a squash whose replaced migrations are partly applied: 0002 runs
    # first, and it refuses before changing anything of cms.
    assert [step for step in part["plan"] if step.startswith("cms.")] == [
        f"cms.{name}" for name in after_squash()
    ]
    refusal = part["refusal"]
    assert refusal.returncode == 1
    assert "CommandError: This database stopped part-way through the cms" in refusal.stderr
    assert "0010_story_live_since" in refusal.stderr
    assert "Traceback" not in refusal.stderr
    assert part["shown"] == ["cms", *[f" [ ] {name}" for name in after_squash()]]
    assert part["shown old"] == [
        "cms",
        *[f" [{'X' if number <= 10 else ' '}] {name}" for number, name in numbered()],
    ]
    assert "cms_storycount" not in part["schema"]["tables"]


def test_both_databases_have_the_same_tables_columns_constraints_and_indexes(chains):
    old, new = chains["old"]["schema"]["tables"], chains["new"]["schema"]["tables"]
    assert sorted(old) == sorted(new)
    assert {"cms_story", "cms_story_translation", "cms_storycount"} <= set(new)
    for table in new:
        assert old[table] == new[table], table


def test_both_databases_have_the_same_roles_permissions_and_content_types(chains):
    old, new = chains["old"]["schema"]["rows"], chains["new"]["schema"]["rows"]
    assert sorted(new["groups"]) == ["Editor", "Publisher", "Translator", "Writer"]
    assert "publish_story" in new["groups"]["Publisher"]
    for kind in ("groups", "permissions", "content_types"):
        assert old[kind] == new[kind], kind


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL only (DATABASE_URL)")
def test_on_postgresql_both_have_the_same_triggers_functions_extensions_and_indexes(chains):
    old, new = chains["old"]["schema"]["postgresql"], chains["new"]["schema"]["postgresql"]
    assert {name for _table, name, _definition in new["triggers"]} == {
        "cms_story_search_sync",
        "cms_story_search_truncate",
    }
    assert {name for name, _arguments, _definition in new["functions"]} == {
        "cms_search_vector",
        "cms_story_search_sync",
        "cms_story_search_truncate",
    }
    assert "pg_trgm" in {name for name, _schema in new["extensions"]}
    for kind in new:
        assert old[kind] == new[kind], kind


def test_tasks_queued_before_the_squash_take_their_new_paths_when_unfinished(chains):
    moved = TASK_PATHS.MOVED
    expected = [
        [moved[path] if status in ("READY", "RUNNING") and path in moved else path, status]
        for path, status in QUEUED
    ]
    assert chains["old"]["tasks"] == sorted(expected)


def numbered():
    """The old chain's names in the order it applied them (0014 before 0013, …), numbered
    by their own numbers."""
    names, done = [], set()
    dependencies = {
        name: {
            dependency
            for app, dependency in importlib.import_module(
                f"tests.data.old_migrations.{name}"
            ).Migration.dependencies
            if app == "cms"
        }
        for name in OLD_CHAIN
    }
    while len(names) < len(OLD_CHAIN):
        ready = sorted(
            name for name in OLD_CHAIN if name not in done and dependencies[name] <= done
        )
        names.append(ready[0])
        done.add(ready[0])
    return [(int(name[:4]), name) for name in names]
