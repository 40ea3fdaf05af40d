"""The search engine's columns (cms/search/engine.py): tokens, language markers, synonym groups.

On PostgreSQL a table `cms_story_search` (one row per translation, kept by triggers) holds
the `search_vector` (each token prefixed with every language the version is served in,
positions kept for ranking, plus the markers as lexemes) with its GIN index, created outside
the model state like 0002's indexes: SQLite has neither, and matches the token column
directly. Dropping `search_document` drops 0002's indexes with it.
"""

from django.db import migrations, models

VECTOR_INDEX = "cms_story_search_vector"


def fill(apps, schema_editor):
    # Frozen: the original called `cms.search.engine.reindex`, live code. This copy only
    # builds empty databases (tests/data/old_migrations/README.md), where reindexing writes
    # nothing; it refuses a database that has story versions.
    if apps.get_model("cms", "StoryTranslation").objects.exists():
        raise RuntimeError("The frozen chain builds empty databases only.")


# Each token is stored once per language the version is served for (`serves:` markers), as
# `en:model`: a search in one language reads one posting list with its own statistics, and
# positions are kept for ts_rank_cd. The markers themselves are lexemes too.
VECTOR_FUNCTION = """
CREATE OR REPLACE FUNCTION cms_search_vector(terms text, scope text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce((
    SELECT string_agg(quote_literal(substr(mark, 8) || ':' || token) || ':' || least(pos, 16383), ' ')
    FROM unnest(string_to_array(scope, ' ')) AS m(mark),
         unnest(string_to_array(terms, ' ')) WITH ORDINALITY AS u(token, pos)
    WHERE left(mark, 7) = 'serves:'
  )::tsvector, ''::tsvector) || array_to_tsvector(string_to_array(scope, ' '))
$$
"""


# A narrow table beside the translations, kept by triggers: an index probe then reads a few
# dense pages instead of one wide translation row per match.
CREATE_TABLE = [
    """
    CREATE TABLE cms_story_search (
        translation_id bigint PRIMARY KEY,
        master_id bigint NOT NULL,
        search_scope text NOT NULL,
        search_vector tsvector NOT NULL
    )
    """,
    """
    CREATE FUNCTION cms_story_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM cms_story_search WHERE translation_id = OLD.id;
        RETURN NULL;
      END IF;
      INSERT INTO cms_story_search (translation_id, master_id, search_scope, search_vector)
      VALUES (NEW.id, NEW.master_id, NEW.search_scope,
              cms_search_vector(NEW.search_terms, NEW.search_scope))
      ON CONFLICT (translation_id) DO UPDATE SET master_id = EXCLUDED.master_id,
        search_scope = EXCLUDED.search_scope, search_vector = EXCLUDED.search_vector;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER cms_story_search_sync
    AFTER INSERT OR DELETE OR UPDATE OF master_id, search_terms, search_scope
    ON cms_story_translation FOR EACH ROW EXECUTE FUNCTION cms_story_search_sync()
    """,
    """
    CREATE FUNCTION cms_story_search_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE cms_story_search;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER cms_story_search_truncate AFTER TRUNCATE ON cms_story_translation
    FOR EACH STATEMENT EXECUTE FUNCTION cms_story_search_truncate()
    """,
    """
    INSERT INTO cms_story_search (translation_id, master_id, search_scope, search_vector)
    SELECT id, master_id, search_scope, cms_search_vector(search_terms, search_scope)
    FROM cms_story_translation
    """,
    "CREATE INDEX cms_story_search_master ON cms_story_search (master_id)",
    f"CREATE INDEX {VECTOR_INDEX} ON cms_story_search USING gin (search_vector)",
]
DROP_TABLE = [
    "DROP TRIGGER IF EXISTS cms_story_search_truncate ON cms_story_translation",
    "DROP TRIGGER IF EXISTS cms_story_search_sync ON cms_story_translation",
    "DROP FUNCTION IF EXISTS cms_story_search_truncate()",
    "DROP FUNCTION IF EXISTS cms_story_search_sync()",
    "DROP TABLE IF EXISTS cms_story_search",
    "DROP FUNCTION IF EXISTS cms_search_vector(text, text)",
]


def create_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(VECTOR_FUNCTION)
    for statement in CREATE_TABLE:
        schema_editor.execute(statement)


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP_TABLE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("cms", "0017_story_counts")]

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
