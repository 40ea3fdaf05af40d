"""Search indexes that only PostgreSQL has: trigram for substrings, GIN for full text.

They are created outside the model state on purpose: SQLite has neither kind, and
the search queries work without them, only slower.
"""

from django.db import migrations

# Frozen: CMS_SEARCH_CONFIGS as it was when this chain was frozen.
CMS_SEARCH_CONFIGS = {"en": "english"}

TRIGRAM_INDEX = "cms_story_translation_search_trgm"


def fulltext_index_name(config):
    return f"cms_story_translation_search_{config}"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    translation = apps.get_model("cms", "StoryTranslation")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.add_index(
        translation,
        GinIndex(fields=["search_document"], opclasses=["gin_trgm_ops"], name=TRIGRAM_INDEX),
    )
    for config in sorted(set(CMS_SEARCH_CONFIGS.values())):
        schema_editor.add_index(
            translation,
            GinIndex(
                SearchVector("search_document", config=config),
                name=fulltext_index_name(config),
            ),
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    names = [TRIGRAM_INDEX] + [
        fulltext_index_name(config) for config in set(CMS_SEARCH_CONFIGS.values())
    ]
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("cms", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
