"""The search engine's columns (cms/search.py): tokens, language markers, synonym groups.

On PostgreSQL a stored generated `search_vector` column (the tokens through the `simple`
configuration, positions kept for ranking, plus the markers as lexemes) and its GIN index
are created outside the model state, like 0002's indexes: SQLite has neither, and matches
the token column directly. Dropping `search_document` drops 0002's indexes with it.
"""

from django.db import migrations, models

VECTOR_INDEX = "cms_story_translation_search_vector"


def fill(apps, schema_editor):
    from cms import search

    search.reindex(apps.get_model("cms", "StoryTranslation"))


def create_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE cms_story_translation ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_terms) || "
        "array_to_tsvector(string_to_array(search_scope, ' '))) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX {VECTOR_INDEX} ON cms_story_translation USING gin (search_vector)"
    )


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE cms_story_translation DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("cms", "0009_hot_ranking")]

    operations = [
        migrations.RemoveField(model_name="storytranslation", name="search_document"),
        migrations.AddField(
            model_name="storytranslation",
            name="search_terms",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="storytranslation",
            name="search_scope",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "terms",
                    models.TextField(
                        help_text="One term per line, in any language (e.g. LLM, 大模型, 大语言模型). A search for any of them finds stories with any of them. A term of several words matches when the search has those words in that order.",
                        verbose_name="terms",
                    ),
                ),
                (
                    "note",
                    models.CharField(
                        blank=True,
                        help_text="Why these terms belong together, for other editors (optional).",
                        max_length=200,
                        verbose_name="note",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="last changed")),
            ],
            options={
                "verbose_name": "search synonym group",
                "verbose_name_plural": "search synonym groups",
                "ordering": ["terms"],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_vector, drop_vector),
    ]
