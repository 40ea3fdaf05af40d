"""Run steps against the database that DATABASE_URL names, in a process of its own.

    python -m tests.project.migration_chain [--old] '[["migrate"], ["enqueue", PATH, STATUS]]'

Steps: migrate, plan, showmigrations, schema, tasks, enqueue; the answer is a JSON list of
their results. `--old` loads the chain as it was before the squash (tests/data/old_migrations/)
instead of cms/migrations/. Each database is its own process's `default`, as `manage.py
migrate` sees it in production: migrations and post_migrate write to `default` whatever else
is configured. Used by tests/project/test_migration_chains.py.
"""

import argparse
import json
import os
import re
import sys
from io import StringIO

OLD_CHAIN = "tests.data.old_migrations"


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", action="store_true", help="the chain before the squash")
    parser.add_argument("steps", type=json.loads, help="a JSON list of [step, *arguments]")
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    import django
    from django.conf import settings

    if options.old:
        settings.MIGRATION_MODULES = {"cms": OLD_CHAIN}
    django.setup()
    results = [STEPS[name](*arguments) for name, *arguments in options.steps]
    print(json.dumps(results, sort_keys=True))


def migrate(*target):
    """Migrate every app to its last migration, or one app (and its dependencies) to
    `target`: app label and migration name."""
    from django.core.management import call_command

    call_command("migrate", *target, interactive=False, verbosity=0)
    return None


def plan():
    """The migrations `migrate` would apply, in order, as "app.name"."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return [
        f"{migration.app_label}.{migration.name}"
        for migration, backwards in executor.migration_plan(targets)
    ]


def showmigrations():
    from django.core.management import call_command

    out = StringIO()
    call_command("showmigrations", "cms", stdout=out, no_color=True)
    return out.getvalue().splitlines()


def enqueue(task_path, status):
    """Store a task as django_tasks_db does, with any path (the function need not exist)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        task_path=task_path,
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )


def tasks():
    from django_tasks_db.models import DBTaskResult

    return sorted(DBTaskResult.objects.values_list("task_path", "status"))


def schema():
    """Tables, columns, constraints and indexes (and on PostgreSQL triggers, functions and
    extensions), with what migrations wrote besides tables: groups, permissions, types."""
    from django.db import connection

    found = {"tables": {}, "rows": rows()}
    with connection.cursor() as cursor:
        introspection = connection.introspection
        for table in sorted(introspection.table_names(cursor)):
            found["tables"][table] = {
                "columns": columns(cursor, table),
                "constraints": constraints(introspection.get_constraints(cursor, table)),
            }
        if connection.vendor == "postgresql":
            found["postgresql"] = catalog(cursor)
    return found


def columns(cursor, table):
    from django.db import connection

    if connection.vendor == "postgresql":
        cursor.execute(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                   coalesce(c.collname, '')
            FROM pg_attribute a
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation c ON c.oid = a.attcollation AND a.attcollation <> 0
            WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """,
            [connection.ops.quote_name(table)],
        )
        return {name: rest for name, *rest in cursor.fetchall()}
    description = connection.introspection.get_table_description(cursor, table)
    return {
        column.name: [column.type_code, column.null_ok, column.default, column.pk]
        for column in description
    }


def constraints(found):
    """Constraints and indexes as Django's introspection reports them. SQLite numbers the
    ones declared without a name (and foreign keys) in column order, so those are told
    apart by what they are."""
    listed = []
    for name, details in found.items():
        details = {key: value for key, value in details.items() if value not in (None, False)}
        if name.startswith("__unnamed_constraint_") or re.fullmatch(r"fk_\d+", name):
            name = "(unnamed)"
        listed.append([name, json.loads(json.dumps(details, sort_keys=True, default=str))])
    return sorted(listed, key=lambda item: json.dumps(item, sort_keys=True))


CATALOG = {
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = current_schema()::regnamespace
    """,
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema()
    """,
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal
    """,
    # The schema's own functions; an extension's are compared as the extension.
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
        FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (
            SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'
          )
    """,
    "extensions": "SELECT extname, extnamespace::regnamespace::text FROM pg_extension",
    "sequences": """
        SELECT sequencename, data_type::text, increment_by FROM pg_sequences
        WHERE schemaname = current_schema()
    """,
}


def catalog(cursor):
    found = {}
    for name, query in CATALOG.items():
        cursor.execute(query)
        found[name] = sorted([list(row) for row in cursor.fetchall()])
    return found


def rows():
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    return {
        "content_types": sorted(ContentType.objects.values_list("app_label", "model")),
        "permissions": sorted(
            Permission.objects.values_list(
                "content_type__app_label", "content_type__model", "codename", "name"
            )
        ),
        "groups": {
            group.name: sorted(group.permissions.values_list("codename", flat=True))
            for group in Group.objects.all()
        },
    }


STEPS = {
    "migrate": migrate,
    "plan": plan,
    "showmigrations": showmigrations,
    "schema": schema,
    "tasks": tasks,
    "enqueue": enqueue,
}

if __name__ == "__main__":
    sys.exit(main())
