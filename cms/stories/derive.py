"""What a language version derives from what its writers typed, and what its save changes
elsewhere: one ordered pair of receivers, one floor above the models.

A model computes only from its own row: `StoryTranslation.save()` keeps its completeness and
content hash. Everything that needs another capability is derived here, before the row is
written, in this order:

1. the analysis rendered to HTML, with the images placed in it (`cms.media.figures`);
2. its plain text, for search and snippets;
3. the search terms of every text it shows (`cms.search.index.terms_of`);
4. the disclosure grade, which follows the version's reviews (`cms.disclosure.rules`).

After it is written, the rows it changes besides its own: every version's language markers
(adding a language changes which version each language is served in) and the story's AI
flag. Bulk writers that skip `save()` (the demo generator) call `derive()` themselves.
"""

from django.db.models.signals import post_save, pre_save

from cms.core import richtext
from cms.disclosure import rules as disclosure
from cms.media import figures
from cms.models import StoryTranslation
from cms.search import index


def render(row):
    """Steps 1 and 2: the analysis as readers see it, and as text."""
    row.analysis_html, row.analysis_images = figures.render_analysis(
        row.analysis, row.master_id, row.language_code
    )
    row.analysis_text = richtext.to_text(row.analysis_html)


def index_terms(row):
    """Step 3: the search terms, from the rendered text and the lists."""
    row.search_terms = index.terms_of(row)


def derive(row):
    """Steps 1–3, for a version that is not being saved (a proposal, generated stories)."""
    render(row)
    index_terms(row)


def _before_save(sender, instance, raw=False, **kwargs):
    if raw:
        return  # Fixtures carry their derived fields as they were.
    derive(instance)
    disclosure.refresh(instance)


def _after_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    index.refresh_scope(instance.master_id)
    disclosure.sync_story(instance)


def connect():
    pre_save.connect(_before_save, sender=StoryTranslation, dispatch_uid="derive-before-save")
    post_save.connect(_after_save, sender=StoryTranslation, dispatch_uid="derive-after-save")
