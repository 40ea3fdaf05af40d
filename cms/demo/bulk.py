"""Inserting many unsaved rows fast: COPY on PostgreSQL, bulk_create elsewhere.

Generated archives run to a million stories, and an INSERT per batch spends most of its
time building and parsing SQL. PostgreSQL's COPY streams the rows instead. Values go
through each field's own `pre_save` and `get_db_prep_save`, exactly as `bulk_create` would
send them, so JSON, times and new columns are written the way the ORM writes them.
"""

from contextlib import contextmanager

from django.db import connection


def copying():
    """Whether inserts here go through COPY (PostgreSQL) rather than bulk_create."""
    return connection.vendor == "postgresql"


def without_statement_timeout():
    """Let this session's statements run as long as they need (PostgreSQL only).

    The server's statement timeout protects readers from slow requests; a batch of a bulk
    load or an index build is not a request and legitimately takes longer.
    """
    if copying():
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


def reserve_ids(model, count):
    """`count` fresh primary keys of `model`, taken from its sequence (PostgreSQL only)."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert(model, objects):
    """Insert unsaved `objects` of `model`; their primary keys are set when given."""
    if not objects:
        return
    if not copying():
        model.objects.bulk_create(objects)
        return
    with_pk = objects[0].pk is not None
    fields = [
        field
        for field in model._meta.concrete_fields
        if not getattr(field, "generated", False) and (with_pk or not field.primary_key)
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row(
                [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
            )


@contextmanager
def indexes_rebuilt(*tables):
    """Drop the secondary indexes of `tables`, and build them again on leaving.

    Keeping a full-text or trigram index up to date row by row costs far more than building
    it once over the loaded rows. Unique and primary-key indexes stay (they back
    constraints). PostgreSQL only; elsewhere nothing is dropped.
    """
    if not copying():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT x.indisunique AND NOT x.indisprimary
            """,
            [list(tables)],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # Index builds may use more memory than a query: this session only.
            cursor.execute("SET maintenance_work_mem = '512MB'")
            if connection.in_atomic_block:
                # Inside a transaction (as in tests) deferred foreign-key checks are still
                # pending, and PostgreSQL builds no index on a table with pending checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, definition in definitions:
                cursor.execute(definition)
