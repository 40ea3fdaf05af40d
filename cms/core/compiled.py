"""QuerySets whose SQL is compiled once per process, then run with the current time.

Building a story list's QuerySet (the visibility rule's subqueries, the ordering, the
source's join) and compiling it to SQL costs more CPU than the database spends running
it: on a front page whose stories come from the served-story cache, it was a quarter of
the answer. The SQL text depends only on what the QuerySet was built from (the caller's
`shape`: the audience, a tag, the order, the page size) and on the code, neither of which
changes while a process runs; of its parameters, only the current time moves. So each
shape is compiled once, and later runs put the current time where it stood.

Where the time stands is found, not assumed: the QuerySet is built twice, at two
different stand-in times, and compiled both times. The time's places are the parameters
that differ and equal the stand-in each time; if the SQL text differs, or any parameter
differs otherwise (a time computed from the current one, say), the shape is not kept and
is built and compiled on every run, as before. What a run returns is what the QuerySet
would: the same SQL, the same rows, the same model instances (and those of
`select_related`), through Django's own row converters.

`rows` does the same for a `values_list()` QuerySet (its annotations included: the counts
beside a list), whose building costs the same several times over what running it does.

The memo holds nothing that can change (SQL text and how to read its rows), which is why
it may live in each process: every process compiles the same text.
"""

from datetime import UTC, datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models.query import get_related_populators
from django.utils import timezone

# Two instants no real query uses, to find where the time stands in a query's parameters.
_STAND_INS = (
    datetime(2000, 1, 1, 0, 0, 0, 123457, tzinfo=UTC),
    datetime(2001, 2, 3, 4, 5, 6, 654321, tzinfo=UTC),
)
_PLANS_MAX = 512
_plans = {}
# A shape whose parameters depend on the time otherwise than by copying it.
_UNPLANNABLE = object()


class _Plan:
    """One shape's SQL, where the time goes in its parameters, and how to read its rows."""

    def __init__(self, queryset, sql, params, times, compiler):
        self.model = queryset.model
        self.query = queryset.query
        self.sql = sql
        self.params = params
        self.times = times
        self.columns = [column[0] for column in compiler.select[: compiler.col_count]]
        klass_info = compiler.klass_info
        select_fields = klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [
            column[0].target.attname for column in compiler.select[self.start : self.end]
        ]
        self.klass_info = klass_info
        self.select = compiler.select

    def run(self, alias, now):
        connection = connections[alias]
        params = list(self.params)
        for index in self.times:
            params[index] = connection.ops.adapt_datetimefield_value(now)
        # Converters (and the populators) are made for the connection in use, as Django
        # does for every query.
        converters = self.query.get_compiler(using=alias).get_converters(self.columns)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        populators = get_related_populators(self.klass_info, self.select, alias)
        found = []
        for row in rows:
            if converters:
                row = list(row)
                for position, (functions, expression) in converters.items():
                    for convert in functions:
                        row[position] = convert(row[position], expression, connection)
            instance = self.model.from_db(alias, self.init_list, row[self.start : self.end])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        return found


class _RowsPlan:
    """One `values_list()` shape's SQL, where the time goes, and its columns' converters."""

    def __init__(self, queryset, sql, params, times, compiler):
        self.query = queryset.query
        self.sql = sql
        self.params = params
        self.times = times
        self.columns = [column[0] for column in compiler.select[: compiler.col_count]]

    def run(self, alias, now):
        connection = connections[alias]
        params = list(self.params)
        for index in self.times:
            params[index] = connection.ops.adapt_datetimefield_value(now)
        converters = self.query.get_compiler(using=alias).get_converters(self.columns)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters.items():
                for convert in functions:
                    row[position] = convert(row[position], expression, connection)
            found.append(tuple(row))
        return found


def _kind(queryset):
    """The plan that can run `queryset` (None: none can, it is built on every run)."""
    iterable = queryset._iterable_class.__name__
    if iterable == "ModelIterable" and not queryset.query.annotation_select:
        return _Plan
    query = queryset.query
    # Columns in the order they were asked for, as tuples (Django reorders otherwise).
    in_order = list(queryset._fields) == [*query.values_select, *query.annotation_select]
    if iterable == "ValuesListIterable" and not query.extra_select and in_order:
        return _RowsPlan
    return None


def _same(first, second):
    """Whether two parameters are one value: psycopg's JSON wrappers (`Jsonb([])`, a
    JSON field's lookup) compare by identity, so by what they wrap."""
    if type(first) is not type(second):
        return False
    return first == second or (hasattr(first, "obj") and first.obj == second.obj)


def _plan(model, build, alias):
    compiled = []
    for stand_in in _STAND_INS:
        queryset = build(stand_in)
        if queryset.model is not model or queryset.db != alias:
            return _UNPLANNABLE
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            # A query that can match nothing (no language to read in) has no SQL: Django
            # answers it without asking the database, on every run.
            return _UNPLANNABLE
        compiled.append((queryset, compiler, sql, list(params)))
    (queryset, compiler, sql, params), (_qs, _compiler, other_sql, other_params) = compiled
    kind = _kind(queryset)
    if (
        sql != other_sql
        or len(params) != len(other_params)
        or kind is None
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
    ):
        return _UNPLANNABLE
    # As a datetime column's parameter, the time is adapted for the database (SQLite's
    # is text); it is put in the same way on each run.
    adapt = connections[alias].ops.adapt_datetimefield_value
    stand_ins = [adapt(stand_in) for stand_in in _STAND_INS]
    times = []
    for index, (first, second) in enumerate(zip(params, other_params, strict=True)):
        if first == stand_ins[0] and second == stand_ins[1]:
            times.append(index)
        elif not _same(first, second):
            return _UNPLANNABLE
    return kind(queryset, sql, params, times, compiler)


def fetch(model, shape, build, now=None):
    """The instances of `model` that `build(now)` (a QuerySet of `model`, built from
    `shape` and the time alone) returns, its SQL compiled once per `shape` and database.

    `shape` must name everything `build` reads besides the time: two calls with the same
    shape run the same SQL text.
    """
    now = now or timezone.now()
    alias = router.db_for_read(model)
    key = (alias, shape)
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) >= _PLANS_MAX:
            _plans.clear()
        plan = _plans[key] = _plan(model, build, alias)
    if plan is _UNPLANNABLE:
        return list(build(now))
    return plan.run(alias, now)


def rows(model, shape, build, now=None):
    """The rows, as tuples, of `build(now)`: a `values_list()` QuerySet of `model`, built
    from `shape` and the time alone; its SQL compiled once per `shape` and database."""
    return fetch(model, shape, build, now)
