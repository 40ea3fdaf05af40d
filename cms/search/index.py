"""The search index's upkeep: each language version's terms and language markers.

`search_terms` come from `cms.core.terms`; `search_scope` holds markers: the version's
language (`lang:en`), every language its story has (`has:zh-hans`) and every requested language
it is served for with the default fallback chain (`serves:zh-hans`). Markers change when a
language version is added or removed (`refresh_scope`); on PostgreSQL triggers keep the
`cms_story_search` table and its GIN index in step with these columns.
"""

from cms.core import languages
from cms.core.terms import document_terms
from cms.models import StoryTranslation


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
    rows = StoryTranslation.objects.only(
        "pk", "master_id", "language_code", "title", "summary", "analysis_text"
    )
    batch, written = [], 0
    for row in rows.iterator(chunk_size=1000):
        row.search_terms = document_terms(row.title, row.summary, row.analysis_text)
        row.search_scope = scope_markers(row.language_code, languages_of[row.master_id])
        batch.append(row)
        if len(batch) == 1000 or len(batch) + written == total:
            StoryTranslation.objects.bulk_update(batch, ["search_terms", "search_scope"])
            written += len(batch)
            if progress is not None:
                progress(len(batch))
            batch = []
    return written
