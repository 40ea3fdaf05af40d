"""The search index's upkeep: each language version's terms and language markers.

`search_terms` come from `cms.core.terms`, made of every text a version shows (`terms_of`):
title, summary, analysis, TL;DR bullets, Key Data rows, insights and FAQ. `search_scope` holds
markers: the version's language (`lang:en`), every language its story has (`has:zh-hans`) and
every requested language it is served for with the default fallback chain (`serves:zh-hans`).
Markers change when a language version is added or removed (`refresh_scope`); on PostgreSQL
triggers keep the `cms_story_search` table and its GIN index in step with these columns.
"""

from contextlib import contextmanager
from types import SimpleNamespace

from django.db import connection

from cms.core import languages, terms
from cms.models import StoryTranslation
from cms.models.story import FAQ_FIELDS, INSIGHT_FIELDS, KEY_DATA_FIELDS

# What `terms_of` reads of a version, besides the rendered analysis it is given.
TEXT_FIELDS = ("title", "summary", "analysis_text", "tldr", "key_data", "insights", "faq")


def _list_texts(rows, columns=()):
    """The texts of a list field: bullets, or each row's cells in the columns' order (not
    the stored object's: PostgreSQL's jsonb orders keys its own way)."""
    for row in rows or ():
        if isinstance(row, dict):
            cells = (row.get(column) for column in columns)
            yield from (cell for cell in cells if isinstance(cell, str))
        elif isinstance(row, str):
            yield row


def terms_of(row):
    """`search_terms` of a version: every text it shows, so any of them finds it."""
    lists = (
        (row.tldr, ()),
        (row.key_data, KEY_DATA_FIELDS),
        (row.insights, INSIGHT_FIELDS),
        (row.faq, FAQ_FIELDS),
    )
    listed = [text for rows, columns in lists for text in _list_texts(rows, columns)]
    return terms.document_terms(row.title, row.summary, row.analysis_text, *listed)


def _default_chain(code):
    return languages.chain(code)


def scope_markers(language, story_languages):
    """`search_scope` for the version in `language` of a story that has `story_languages`."""
    markers = [f"lang:{language}"]
    markers += [f"has:{code}" for code in sorted(set(story_languages))]
    for requested in languages.codes():
        served = next((c for c in _default_chain(requested) if c in story_languages), None)
        if served == language:
            markers.append(f"serves:{requested}")
    return " ".join(markers)


def refresh_scope(story_id):
    """Bring the markers of every version of a story up to date (after one is added/removed)."""
    rows = list(
        StoryTranslation.objects.filter(master_id=story_id).values_list(
            "pk", "language_code", "search_scope"
        )
    )
    present = {code for _pk, code, _scope in rows}
    for pk, code, scope in rows:
        wanted = scope_markers(code, present)
        if wanted != scope:
            StoryTranslation.objects.filter(pk=pk).update(search_scope=wanted)


def reindex(progress=None):
    """Recompute every version's terms and markers; returns how many were written.

    `progress(n)` is told of each batch written.
    """
    languages_of = {}
    for story_id, code in StoryTranslation.objects.values_list("master_id", "language_code"):
        languages_of.setdefault(story_id, set()).add(code)
    total = sum(len(codes) for codes in languages_of.values())
    # Values, not models with deferred fields: parler reads every field of a version as it
    # is built, so `.only()` would fetch each deferred one again, row by row.
    rows = StoryTranslation.objects.values("pk", "master_id", "language_code", *TEXT_FIELDS)
    batch, written = [], 0
    for values in rows.iterator(chunk_size=1000):
        row = StoryTranslation(
            pk=values["pk"],
            search_terms=terms_of(SimpleNamespace(**values)),
            search_scope=scope_markers(values["language_code"], languages_of[values["master_id"]]),
        )
        batch.append(row)
        if len(batch) == 1000 or len(batch) + written == total:
            StoryTranslation.objects.bulk_update(batch, ["search_terms", "search_scope"])
            written += len(batch)
            if progress is not None:
                progress(len(batch))
            batch = []
    return written


# The table the triggers keep, and the trigger that keeps it as each version is written.
SEARCH_TABLE = "cms_story_search"
SEARCH_TRIGGER = "cms_story_search_sync"


@contextmanager
def filled_in_bulk():
    """While many new versions are loaded (PostgreSQL), fill the search table once at the end.

    The trigger writes one search row per version, in PL/pgSQL, inside each insert: over a
    bulk load that is a function call and an upsert per row. Here the trigger is off while
    the rows are loaded, and one `INSERT … SELECT` then adds the row of every version that
    has none, computed by the same SQL function the trigger calls. Meant for loading new
    versions into an archive nobody edits meanwhile (benchmark archives): a version edited
    by someone else while the trigger is off would keep its old search row.
    Elsewhere (SQLite searches the translations themselves) nothing changes.
    """
    if connection.vendor != "postgresql":
        yield
        return
    translations = StoryTranslation._meta.db_table

    def switch(state):
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # Inside a transaction (as in tests) PostgreSQL alters no table with
                # deferred foreign-key checks pending: check them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {translations} {state} TRIGGER {SEARCH_TRIGGER}")

    switch("DISABLE")
    try:
        yield
    finally:
        switch("ENABLE")
        fill_missing()


def fill_missing(story_ids=None):
    """Add the search row of every version that has none (of `story_ids`' stories, if given).

    The rows are computed by the SQL function the trigger calls. A bulk loader with the
    trigger off calls this after each batch (its jobs then compute the rows side by side)
    and once at the end for anything left; an index probe on the table's key skips the rest.
    """
    translations = StoryTranslation._meta.db_table
    only = "AND t.master_id = ANY(%s)" if story_ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {SEARCH_TABLE} (translation_id, master_id, search_scope, search_vector)
            SELECT t.id, t.master_id, t.search_scope,
                   cms_search_vector(t.search_terms, t.search_scope)
            FROM {translations} t
            WHERE NOT EXISTS (
                SELECT 1 FROM {SEARCH_TABLE} s WHERE s.translation_id = t.id
            ) {only}
            """,
            [list(story_ids)] if story_ids is not None else [],
        )
