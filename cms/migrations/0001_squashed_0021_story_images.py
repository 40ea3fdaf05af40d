"""The whole schema, squashed from the chain 0001_initial … 0021_story_images.

A database migrated with that chain is taken as having applied this migration (`replaces`);
a new database applies this one alone; one stopped part-way through that chain is refused by
0002_queued_task_paths. The tables are created as the old chain left them (the operations
were written by makemigrations from the models, which the old chain's end matched); then
come the old chain's effects that are not tables:

- PostgreSQL's `pg_trgm` extension (0002_search_indexes created it for trigram indexes
  dropped since; kept, so that a new database is the same as one migrated before).
- The newsroom's role groups with their permissions (0008_roles).
- PostgreSQL's search table `cms_story_search`, its function `cms_search_vector` and the
  triggers that keep it (0018_search_engine; cms/search/engine.py reads it).

The old chain's data backfills (0007 translation state, 0010 live since, 0015 hot estimates,
0017 story counts, 0018 search terms and AI-involvement grades) rewrote rows that existed
before them. Here the tables are created empty by this same migration, so they would have
nothing to rewrite, and they are left out.

Nothing here runs code from `cms`: what the effects need is copied in, as it was when the
chain was squashed. `cms` is only named by path for fields' validators and a default, as
Django records them for every migration.
"""

import django.core.validators
import django.db.models.deletion
import parler.fields
import parler.models
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import cms.core.netguard
import cms.core.validators
import cms.models.webhook


def create_trigram_extension(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


# The newsroom's roles as cms/core/roles.py named them when the chain was squashed: group
# name to codenames of the `cms` app's permissions (`manage.py install_roles` repairs them).
_READ_TAXONOMY = ["view_tag", "view_source"]
_WRITE = [
    "view_story",
    "add_story",
    "change_story",
    "add_storytag",
    "change_storytag",
    "delete_storytag",
    "view_storytag",
    "add_tag",
    *_READ_TAXONOMY,
]
_EDIT = [
    *_WRITE,
    "review_story",
    "delete_story",
    "change_tag",
    "delete_tag",
    "add_source",
    "change_source",
]
ROLES = {
    "Writer": _WRITE,
    "Translator": ["view_story", "translate_story", *_READ_TAXONOMY],
    "Editor": _EDIT,
    "Publisher": [*_EDIT, "publish_story"],
}


def install_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _created = group_model.objects.get_or_create(name=name)
        permissions = list(
            permission_model.objects.filter(content_type__app_label="cms", codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise LookupError(f"Permissions missing for {name}: {', '.join(sorted(missing))}")
        group.permissions.set(permissions)


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
# dense pages instead of one wide translation row per match. (The translations table is
# created empty above, so there is nothing to copy into it.)
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
    "CREATE INDEX cms_story_search_master ON cms_story_search (master_id)",
    "CREATE INDEX cms_story_search_vector ON cms_story_search USING gin (search_vector)",
]
DROP_TABLE = [
    "DROP TRIGGER IF EXISTS cms_story_search_truncate ON cms_story_translation",
    "DROP TRIGGER IF EXISTS cms_story_search_sync ON cms_story_translation",
    "DROP FUNCTION IF EXISTS cms_story_search_truncate()",
    "DROP FUNCTION IF EXISTS cms_story_search_sync()",
    "DROP TABLE IF EXISTS cms_story_search",
    "DROP FUNCTION IF EXISTS cms_search_vector(text, text)",
]


def create_search_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(VECTOR_FUNCTION)
    for statement in CREATE_TABLE:
        schema_editor.execute(statement)


def drop_search_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP_TABLE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    replaces = [
        ("cms", "0001_initial"),
        ("cms", "0002_search_indexes"),
        ("cms", "0003_partners"),
        ("cms", "0004_story_external_id"),
        ("cms", "0005_webhooks"),
        ("cms", "0006_webhook_cancelled"),
        ("cms", "0007_newsroom"),
        ("cms", "0008_roles"),
        ("cms", "0009_hot_ranking"),
        ("cms", "0010_story_live_since"),
        ("cms", "0014_pending_translations"),
        ("cms", "0015_hot_prior"),
        ("cms", "0016_edge_purges"),
        ("cms", "0017_story_counts"),
        ("cms", "0018_search_engine"),
        ("cms", "0013_feed_tokens_webhook_destinations"),
        ("cms", "0020_media"),
        ("cms", "0018_ai_disclosure"),
        ("cms", "0019_open_web"),
        ("cms", "0021_story_images"),
    ]

    initial = True

    dependencies = [
        # The role groups are installed with their permissions here (auth, contenttypes).
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EdgePurge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "dependencies",
                    models.JSONField(
                        default=list,
                        help_text="What the change invalidated.",
                        verbose_name="dependencies",
                    ),
                ),
                (
                    "not_before",
                    models.DateTimeField(
                        db_index=True,
                        help_text="When to send it: the change's time, or a scheduled story's publish time.",
                        verbose_name="not before",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "wal_position",
                    models.CharField(
                        blank=True,
                        help_text="The primary's WAL position the replicas must replay before the purge.",
                        max_length=40,
                        verbose_name="WAL position",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                (
                    "last_attempt_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last attempt"),
                ),
                (
                    "sent_at",
                    models.DateTimeField(blank=True, db_index=True, null=True, verbose_name="sent"),
                ),
            ],
            options={
                "verbose_name": "edge purge",
                "verbose_name_plural": "edge purges",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Partner",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "contact_name",
                    models.CharField(blank=True, max_length=200, verbose_name="contact name"),
                ),
                (
                    "contact_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="contact email"),
                ),
                ("website", models.URLField(blank=True, verbose_name="website")),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
            ],
            options={
                "verbose_name": "partner",
                "verbose_name_plural": "partners",
                "ordering": ["name"],
            },
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
        migrations.CreateModel(
            name="Source",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=100, unique=True, verbose_name="slug")),
                ("homepage", models.URLField(blank=True, verbose_name="homepage")),
            ],
            options={
                "verbose_name": "source",
                "verbose_name_plural": "sources",
                "ordering": ["slug"],
            },
            bases=(parler.models.TranslatableModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="Tag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=100, unique=True, verbose_name="slug")),
            ],
            options={
                "verbose_name": "tag",
                "verbose_name_plural": "tags",
                "ordering": ["slug"],
            },
            bases=(parler.models.TranslatableModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="Image",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.ImageField(
                        db_index=True,
                        height_field="height",
                        help_text="A JPEG, PNG, WebP or AVIF picture. Location data (GPS) in it is removed on upload.",
                        max_length=300,
                        upload_to="images/%Y/%m/",
                        verbose_name="image file",
                        width_field="width",
                    ),
                ),
                (
                    "width",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="width"),
                ),
                (
                    "height",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="height"),
                ),
                (
                    "focal_x",
                    models.FloatField(
                        default=0.5,
                        help_text="0 is the left edge, 1 the right: crops keep this point in view.",
                        validators=[
                            django.core.validators.MinValueValidator(0.0),
                            django.core.validators.MaxValueValidator(1.0),
                        ],
                        verbose_name="focal point, across",
                    ),
                ),
                (
                    "focal_y",
                    models.FloatField(
                        default=0.5,
                        help_text="0 is the top edge, 1 the bottom: crops keep this point in view.",
                        validators=[
                            django.core.validators.MinValueValidator(0.0),
                            django.core.validators.MaxValueValidator(1.0),
                        ],
                        verbose_name="focal point, down",
                    ),
                ),
                (
                    "decorative",
                    models.BooleanField(
                        default=False,
                        help_text="Tick when the image adds nothing a text could say: screen readers skip it, and no alt text is needed.",
                        verbose_name="decorative",
                    ),
                ),
                (
                    "rights",
                    models.CharField(
                        help_text="Who may use the image and how, e.g. “CC BY 4.0” or “© Reuters, licensed”.",
                        max_length=200,
                        verbose_name="rights or licence",
                    ),
                ),
                (
                    "source_url",
                    models.URLField(
                        blank=True,
                        help_text="Where the image comes from (its page at the agency or archive).",
                        max_length=1000,
                        verbose_name="image source",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
            ],
            options={
                "verbose_name": "image",
                "verbose_name_plural": "images",
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("focal_x__gte", 0),
                            ("focal_x__lte", 1),
                            ("focal_y__gte", 0),
                            ("focal_y__lte", 1),
                        ),
                        name="image_focal_point_0_1",
                    )
                ],
            },
            bases=(parler.models.TranslatableModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="Author",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=100, unique=True, verbose_name="slug")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "kind",
                    models.CharField(
                        choices=[("person", "A person"), ("organization", "The publication")],
                        default="person",
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                (
                    "profile_url",
                    models.URLField(
                        blank=True,
                        help_text="The author's page on the reader site; search engines link bylines to it.",
                        max_length=1000,
                        verbose_name="profile page",
                    ),
                ),
                (
                    "avatar",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="cms.image",
                        verbose_name="avatar",
                    ),
                ),
            ],
            options={
                "verbose_name": "author",
                "verbose_name_plural": "authors",
                "ordering": ["name"],
            },
            bases=(parler.models.TranslatableModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="Story",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="The story's address on the reader site, shared by all languages.",
                        max_length=200,
                        unique=True,
                        verbose_name="slug",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("review", "In review"),
                            ("published", "Published"),
                            ("archived", "Archived"),
                        ],
                        default="draft",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                (
                    "published_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Readers see a published story from this time on. Left empty, it is set to the moment the story is published.",
                        null=True,
                        verbose_name="publish time",
                    ),
                ),
                (
                    "expires_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Readers stop seeing the story at this time, by itself: it leaves lists, search, feeds and sitemaps, and partners are told it was unpublished. Leave empty to keep it.",
                        null=True,
                        verbose_name="expiry time",
                    ),
                ),
                (
                    "first_published_at",
                    models.DateTimeField(editable=False, null=True, verbose_name="first published"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The last material edit readers are told about (“Updated 2h ago”).",
                        null=True,
                        verbose_name="updated",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("modified_at", models.DateTimeField(auto_now=True, verbose_name="last saved")),
                (
                    "hot",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="How much attention the story gets, 0–100.",
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="hot",
                    ),
                ),
                (
                    "quality",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="How solid the reporting is, 0–100.",
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="quality",
                    ),
                ),
                (
                    "impact",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="How much it matters to the industry, 0–100.",
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="impact",
                    ),
                ),
                (
                    "hot_computed",
                    models.PositiveSmallIntegerField(
                        editable=False,
                        help_text="The hot ranking's last result: the estimate blended with readers' views and shares.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="computed hot score",
                    ),
                ),
                (
                    "hot_prior",
                    models.PositiveSmallIntegerField(
                        editable=False,
                        help_text="The hot score the story was given (by the story pipeline): the ranking starts from it, and readers' views and shares move it from there.",
                        null=True,
                        verbose_name="estimated hot score",
                    ),
                ),
                (
                    "hot_prior_views",
                    models.PositiveBigIntegerField(
                        default=0, editable=False, verbose_name="views when estimated"
                    ),
                ),
                (
                    "hot_prior_shares",
                    models.PositiveBigIntegerField(
                        default=0, editable=False, verbose_name="shares when estimated"
                    ),
                ),
                (
                    "hot_override",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Set a hot score (0–100) by hand instead of the computed one; leave empty to use the computed score.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="hot score override",
                    ),
                ),
                (
                    "pinned",
                    models.BooleanField(
                        default=False,
                        help_text="Pinned stories lead the hot list, whatever their scores.",
                        verbose_name="pinned",
                    ),
                ),
                (
                    "live_since",
                    models.DateTimeField(
                        editable=False,
                        help_text="When readers were told the story went live; empty while it is not public.",
                        null=True,
                        verbose_name="live since",
                    ),
                ),
                ("counted_in", models.JSONField(default=list, editable=False)),
                (
                    "view_count",
                    models.PositiveBigIntegerField(default=0, editable=False, verbose_name="views"),
                ),
                (
                    "share_count",
                    models.PositiveBigIntegerField(
                        default=0, editable=False, verbose_name="shares"
                    ),
                ),
                (
                    "ai_generated",
                    models.BooleanField(
                        default=True,
                        editable=False,
                        help_text="Whether AI wrote any language version of the story.",
                        verbose_name="AI-generated",
                    ),
                ),
                (
                    "source_url",
                    models.URLField(
                        blank=True,
                        help_text="The address of the article this story cites.",
                        max_length=1000,
                        verbose_name="original article",
                    ),
                ),
                (
                    "original_language",
                    models.CharField(
                        choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                        default="en",
                        help_text="The language the story is written in. Other languages' versions are marked outdated when this one changes after them.",
                        max_length=15,
                        verbose_name="original language",
                    ),
                ),
                (
                    "edit_version",
                    models.PositiveIntegerField(
                        default=0,
                        editable=False,
                        help_text="Counts saves, so that a save based on an older version is refused.",
                        verbose_name="edit version",
                    ),
                ),
                (
                    "external_id",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="The story pipeline's id for this story; ingestion updates by it.",
                        max_length=200,
                        null=True,
                        unique=True,
                        verbose_name="external id",
                    ),
                ),
                (
                    "editor",
                    models.ForeignKey(
                        blank=True,
                        help_text="The person who answers for the story, named to readers.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="edited_stories",
                        to="cms.author",
                        verbose_name="responsible editor",
                    ),
                ),
                (
                    "image",
                    models.ForeignKey(
                        blank=True,
                        help_text="Shown atop the story and on share cards, in feeds and in search results.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="stories",
                        to="cms.image",
                        verbose_name="lead image",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="stories",
                        to="cms.source",
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "story",
                "verbose_name_plural": "stories",
                "ordering": ["-published_at", "-pk"],
                "permissions": [
                    ("review_story", "Can review stories: send back, archive, edit live stories"),
                    ("publish_story", "Can publish, schedule and unpublish stories"),
                    ("translate_story", "Can translate stories into assigned languages"),
                ],
            },
            bases=(parler.models.TranslatableModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="StorySlug",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="An address the story had before; readers following it are redirected.",
                        max_length=200,
                        unique=True,
                        verbose_name="old slug",
                    ),
                ),
                ("retired_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="old_slugs",
                        to="cms.story",
                        verbose_name="story",
                    ),
                ),
            ],
            options={
                "verbose_name": "old slug",
                "verbose_name_plural": "old slugs",
                "ordering": ["-retired_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="StoryTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tag_links",
                        to="cms.story",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="story_links",
                        to="cms.tag",
                        verbose_name="tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "tag",
                "verbose_name_plural": "tags",
                "ordering": ["position", "id"],
            },
        ),
        migrations.CreateModel(
            name="StoryCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("language", models.CharField(max_length=15, verbose_name="language")),
                ("count", models.IntegerField(default=0, verbose_name="stories")),
                (
                    "tag",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="cms.tag",
                        verbose_name="tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "story count",
                "verbose_name_plural": "story counts",
                "default_permissions": (),
            },
        ),
        migrations.AddField(
            model_name="story",
            name="tags",
            field=models.ManyToManyField(
                blank=True,
                related_name="stories",
                through="cms.StoryTag",
                to="cms.tag",
                verbose_name="tags",
            ),
        ),
        migrations.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="What the key is for.", max_length=100, verbose_name="name"
                    ),
                ),
                (
                    "prefix",
                    models.CharField(
                        editable=False, max_length=24, unique=True, verbose_name="prefix"
                    ),
                ),
                ("hashed_secret", models.CharField(editable=False, max_length=64)),
                ("scopes", models.JSONField(default=list, verbose_name="scopes")),
                (
                    "languages",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Empty: every language.",
                        verbose_name="languages",
                    ),
                ),
                (
                    "per_minute",
                    models.PositiveIntegerField(default=120, verbose_name="requests per minute"),
                ),
                (
                    "per_day",
                    models.PositiveIntegerField(default=50000, verbose_name="requests per day"),
                ),
                ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="expires")),
                (
                    "revoked_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="revoked"
                    ),
                ),
                (
                    "feed_token_prefix",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="Feeds take the feed token as ?token=; empty when none is issued.",
                        max_length=24,
                        null=True,
                        unique=True,
                        verbose_name="feed token prefix",
                    ),
                ),
                ("hashed_feed_token", models.CharField(blank=True, editable=False, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="last used"
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="keys",
                        to="cms.partner",
                        verbose_name="partner",
                    ),
                ),
                (
                    "tags",
                    models.ManyToManyField(
                        blank=True, help_text="Empty: every tag.", to="cms.tag", verbose_name="tags"
                    ),
                ),
            ],
            options={
                "verbose_name": "API key",
                "verbose_name_plural": "API keys",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="TagTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(db_index=True, max_length=15, verbose_name="Language"),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "master",
                    parler.fields.TranslationsForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="translations",
                        to="cms.tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "tag Translation",
                "db_table": "cms_tag_translation",
                "db_tablespace": "",
                "managed": True,
                "default_permissions": (),
            },
            bases=(parler.models.TranslatedFieldsModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        help_text="A public http or https address; this machine, private networks and cloud metadata addresses are refused.",
                        max_length=500,
                        validators=[cms.core.netguard.validate_endpoint_url],
                        verbose_name="URL",
                    ),
                ),
                (
                    "secret",
                    models.CharField(
                        default=cms.models.webhook.new_secret,
                        editable=False,
                        help_text="Give this to the partner to verify signatures.",
                        max_length=100,
                        verbose_name="signing secret",
                    ),
                ),
                (
                    "events",
                    models.JSONField(
                        default=list, help_text="Empty: every event.", verbose_name="events"
                    ),
                ),
                (
                    "languages",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Empty: every language.",
                        verbose_name="languages",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="webhooks",
                        to="cms.partner",
                        verbose_name="partner",
                    ),
                ),
                (
                    "tags",
                    models.ManyToManyField(
                        blank=True, help_text="Empty: every tag.", to="cms.tag", verbose_name="tags"
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook endpoint",
                "verbose_name_plural": "webhook endpoints",
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "message_id",
                    models.CharField(max_length=40, unique=True, verbose_name="message id"),
                ),
                (
                    "event",
                    models.CharField(
                        choices=[
                            ("story.published", "A story was published"),
                            ("story.updated", "A published story was updated"),
                            ("story.unpublished", "A story was unpublished"),
                        ],
                        max_length=40,
                        verbose_name="event",
                    ),
                ),
                ("payload", models.JSONField(verbose_name="payload")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("succeeded", "Delivered"),
                            ("failed", "Failed for good"),
                            ("cancelled", "Not sent: no longer applies"),
                        ],
                        default="pending",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                (
                    "last_status_code",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="last response"
                    ),
                ),
                (
                    "last_error",
                    models.CharField(blank=True, max_length=500, verbose_name="last error"),
                ),
                (
                    "next_attempt_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="next attempt"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "delivered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="delivered"),
                ),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="cms.webhookendpoint",
                        verbose_name="endpoint",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ApiKeyUsage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("requests", models.PositiveIntegerField(default=0, verbose_name="requests")),
                (
                    "key",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="usage",
                        to="cms.apikey",
                    ),
                ),
            ],
            options={
                "verbose_name": "API key usage",
                "verbose_name_plural": "API key usage",
                "ordering": ["-day"],
                "constraints": [
                    models.UniqueConstraint(fields=("key", "day"), name="usage_once_a_day")
                ],
            },
        ),
        migrations.CreateModel(
            name="AuthorTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(db_index=True, max_length=15, verbose_name="Language"),
                ),
                ("bio", models.TextField(blank=True, verbose_name="bio")),
                (
                    "master",
                    parler.fields.TranslationsForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="translations",
                        to="cms.author",
                    ),
                ),
            ],
            options={
                "verbose_name": "author Translation",
                "db_table": "cms_author_translation",
                "db_tablespace": "",
                "managed": True,
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("language_code", "master"), name="cms_author_translation_uniq_lang"
                    )
                ],
            },
            bases=(parler.models.TranslatedFieldsModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="ImageTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(db_index=True, max_length=15, verbose_name="Language"),
                ),
                (
                    "alt",
                    models.CharField(
                        blank=True,
                        help_text="What the image shows, for readers who cannot see it. Required unless the image is decorative.",
                        max_length=300,
                        verbose_name="alt text",
                    ),
                ),
                ("caption", models.CharField(blank=True, max_length=500, verbose_name="caption")),
                (
                    "credit",
                    models.CharField(
                        blank=True,
                        help_text="Shown with the image, e.g. “Photo: Jane Doe / Reuters”.",
                        max_length=200,
                        verbose_name="credit",
                    ),
                ),
                (
                    "master",
                    parler.fields.TranslationsForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="translations",
                        to="cms.image",
                    ),
                ),
            ],
            options={
                "verbose_name": "image Translation",
                "db_table": "cms_image_translation",
                "db_tablespace": "",
                "managed": True,
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("language_code", "master"), name="cms_image_translation_uniq_lang"
                    )
                ],
            },
            bases=(parler.models.TranslatedFieldsModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="LanguageAssignment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                        max_length=15,
                        verbose_name="language",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="language_assignments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "language assignment",
                "verbose_name_plural": "language assignments",
                "constraints": [
                    models.UniqueConstraint(fields=("user", "language"), name="assignment_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="SourceTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(db_index=True, max_length=15, verbose_name="Language"),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "master",
                    parler.fields.TranslationsForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="translations",
                        to="cms.source",
                    ),
                ),
            ],
            options={
                "verbose_name": "source Translation",
                "db_table": "cms_source_translation",
                "db_tablespace": "",
                "managed": True,
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("language_code", "master"), name="cms_source_translation_uniq_lang"
                    )
                ],
            },
            bases=(parler.models.TranslatedFieldsModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name="PendingTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(
                        choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                        max_length=15,
                        verbose_name="language",
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="title")),
                ("summary", models.TextField(blank=True, verbose_name="summary")),
                (
                    "tldr",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Short bullets, in reading order.",
                        validators=[cms.core.validators.ListOfTexts()],
                        verbose_name="TL;DR",
                    ),
                ),
                (
                    "key_data",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Rows of entity, detail and metric, in reading order.",
                        validators=[cms.core.validators.ListOfRows(("entity", "detail", "metric"))],
                        verbose_name="key data",
                    ),
                ),
                (
                    "analysis",
                    models.TextField(
                        blank=True,
                        help_text="Markdown. Links, lists and emphasis work. Place one of the story's images on a line of its own with ![[image:12]] (its number is listed under “Images in the analysis”).",
                        verbose_name="deep analysis",
                    ),
                ),
                (
                    "insights",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Numbered insights, each a title and a body.",
                        validators=[cms.core.validators.ListOfRows(("title", "body"))],
                        verbose_name="industry insights",
                    ),
                ),
                (
                    "faq",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Questions and answers, in reading order.",
                        validators=[cms.core.validators.ListOfRows(("question", "answer"))],
                        verbose_name="FAQ",
                    ),
                ),
                (
                    "ai_involvement",
                    models.CharField(
                        choices=[
                            ("human", "Written by a person"),
                            ("ai_assisted", "Written by a person with AI assistance"),
                            ("ai_reviewed", "AI-generated, reviewed by the editors"),
                            ("ai_generated", "AI-generated, not reviewed by a person"),
                            ("machine_from_human", "Machine-translated from a person's original"),
                            ("machine_from_ai", "Machine-translated from an AI-generated original"),
                        ],
                        default="ai_generated",
                        help_text="How much AI wrote this language version; readers are told. Only an editor may lower it, giving a reason.",
                        max_length=20,
                        verbose_name="AI involvement",
                    ),
                ),
                ("proposed_at", models.DateTimeField(verbose_name="proposed")),
                (
                    "base_edit_version",
                    models.PositiveIntegerField(
                        help_text="The story's save count when the proposal was last saved.",
                        verbose_name="based on version",
                    ),
                ),
                (
                    "base_content_hash",
                    models.CharField(
                        blank=True,
                        help_text="The live version's content hash then; empty when it had none.",
                        max_length=64,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Awaiting approval"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "reviewed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided"),
                ),
                ("reason", models.TextField(blank=True, verbose_name="reason for rejecting")),
                (
                    "proposed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="proposed by",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="decided by",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pending_translations",
                        to="cms.story",
                        verbose_name="story",
                    ),
                ),
            ],
            options={
                "verbose_name": "pending translation",
                "verbose_name_plural": "pending translations",
                "ordering": ["-proposed_at", "-pk"],
                "default_permissions": (),
                "indexes": [
                    models.Index(fields=["status", "-proposed_at"], name="pending_status_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("story", "language_code"),
                        name="one_pending_translation_per_language",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DisclosureRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(
                        choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                        max_length=15,
                        verbose_name="language",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("review", "Human review"), ("grade", "Grade change")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("role", models.CharField(blank=True, max_length=40, verbose_name="role")),
                ("edit_version", models.PositiveIntegerField(verbose_name="edit version")),
                (
                    "content_hash",
                    models.CharField(blank=True, max_length=64, verbose_name="content hash"),
                ),
                (
                    "from_grade",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("human", "Written by a person"),
                            ("ai_assisted", "Written by a person with AI assistance"),
                            ("ai_reviewed", "AI-generated, reviewed by the editors"),
                            ("ai_generated", "AI-generated, not reviewed by a person"),
                            ("machine_from_human", "Machine-translated from a person's original"),
                            ("machine_from_ai", "Machine-translated from an AI-generated original"),
                        ],
                        max_length=20,
                        verbose_name="from",
                    ),
                ),
                (
                    "to_grade",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("human", "Written by a person"),
                            ("ai_assisted", "Written by a person with AI assistance"),
                            ("ai_reviewed", "AI-generated, reviewed by the editors"),
                            ("ai_generated", "AI-generated, not reviewed by a person"),
                            ("machine_from_human", "Machine-translated from a person's original"),
                            ("machine_from_ai", "Machine-translated from an AI-generated original"),
                        ],
                        max_length=20,
                        verbose_name="to",
                    ),
                ),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                ("at", models.DateTimeField(verbose_name="when")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="disclosure_records",
                        to="cms.story",
                        verbose_name="story",
                    ),
                ),
            ],
            options={
                "verbose_name": "disclosure record",
                "verbose_name_plural": "disclosure records",
                "ordering": ["-at", "-pk"],
                "default_permissions": (),
                "indexes": [models.Index(fields=["story", "-at"], name="disclosure_story_idx")],
            },
        ),
        migrations.CreateModel(
            name="Correction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(
                        choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                        max_length=15,
                        verbose_name="language",
                    ),
                ),
                ("text", models.TextField(verbose_name="correction note")),
                ("corrected_at", models.DateTimeField(verbose_name="corrected")),
                (
                    "written_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="written by",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="corrections",
                        to="cms.story",
                    ),
                ),
            ],
            options={
                "verbose_name": "correction",
                "verbose_name_plural": "corrections",
                "ordering": ["corrected_at", "id"],
                "indexes": [
                    models.Index(
                        fields=["story", "language_code", "corrected_at"],
                        name="cms_correct_story_i_16485f_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StoryActivity",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("views", models.PositiveIntegerField(default=0, verbose_name="views")),
                ("shares", models.PositiveIntegerField(default=0, verbose_name="shares")),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="activity",
                        to="cms.story",
                        verbose_name="story",
                    ),
                ),
            ],
            options={
                "verbose_name": "story activity",
                "verbose_name_plural": "story activity",
                "ordering": ["-day", "story"],
                "default_permissions": (),
                "indexes": [models.Index(fields=["day"], name="activity_day_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("story", "day"), name="activity_once_a_day")
                ],
            },
        ),
        migrations.CreateModel(
            name="StoryAuthor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="story_links",
                        to="cms.author",
                        verbose_name="author",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="author_links",
                        to="cms.story",
                    ),
                ),
            ],
            options={
                "verbose_name": "author",
                "verbose_name_plural": "authors",
                "ordering": ["position", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("story", "author"), name="story_author_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="StoryImage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "image",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="story_links",
                        to="cms.image",
                        verbose_name="image",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="image_links",
                        to="cms.story",
                    ),
                ),
            ],
            options={
                "verbose_name": "image in the analysis",
                "verbose_name_plural": "images in the analysis",
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(fields=("story", "image"), name="story_image_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="StoryTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language_code",
                    models.CharField(db_index=True, max_length=15, verbose_name="Language"),
                ),
                ("title", models.CharField(max_length=300, verbose_name="title")),
                ("summary", models.TextField(blank=True, verbose_name="summary")),
                (
                    "tldr",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Short bullets, in reading order.",
                        validators=[cms.core.validators.ListOfTexts()],
                        verbose_name="TL;DR",
                    ),
                ),
                (
                    "key_data",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Rows of entity, detail and metric, in reading order.",
                        validators=[cms.core.validators.ListOfRows(("entity", "detail", "metric"))],
                        verbose_name="key data",
                    ),
                ),
                (
                    "analysis",
                    models.TextField(
                        blank=True,
                        help_text="Markdown. Links, lists and emphasis work. Place one of the story's images on a line of its own with ![[image:12]] (its number is listed under “Images in the analysis”).",
                        verbose_name="deep analysis",
                    ),
                ),
                ("analysis_html", models.TextField(blank=True, editable=False)),
                ("analysis_text", models.TextField(blank=True, editable=False)),
                ("analysis_images", models.JSONField(blank=True, default=list, editable=False)),
                (
                    "insights",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Numbered insights, each a title and a body.",
                        validators=[cms.core.validators.ListOfRows(("title", "body"))],
                        verbose_name="industry insights",
                    ),
                ),
                (
                    "faq",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Questions and answers, in reading order.",
                        validators=[cms.core.validators.ListOfRows(("question", "answer"))],
                        verbose_name="FAQ",
                    ),
                ),
                ("search_terms", models.TextField(blank=True, editable=False)),
                ("search_scope", models.TextField(blank=True, editable=False)),
                (
                    "ai_involvement",
                    models.CharField(
                        choices=[
                            ("human", "Written by a person"),
                            ("ai_assisted", "Written by a person with AI assistance"),
                            ("ai_reviewed", "AI-generated, reviewed by the editors"),
                            ("ai_generated", "AI-generated, not reviewed by a person"),
                            ("machine_from_human", "Machine-translated from a person's original"),
                            ("machine_from_ai", "Machine-translated from an AI-generated original"),
                        ],
                        default="ai_generated",
                        help_text="How much AI wrote this language version; readers are told. Only an editor may lower it, giving a reason.",
                        max_length=20,
                        verbose_name="AI involvement",
                    ),
                ),
                (
                    "origin",
                    models.CharField(
                        choices=[("human", "A person"), ("machine", "Machine translation")],
                        default="human",
                        editable=False,
                        help_text="Whether a person or a machine wrote this language's version.",
                        max_length=10,
                        verbose_name="translated by",
                    ),
                ),
                ("reviewed_hash", models.CharField(blank=True, editable=False, max_length=64)),
                (
                    "reviewed_at",
                    models.DateTimeField(editable=False, null=True, verbose_name="reviewed"),
                ),
                (
                    "reviewed_role",
                    models.CharField(
                        blank=True, editable=False, max_length=40, verbose_name="reviewed as"
                    ),
                ),
                ("reviewed_edit_version", models.PositiveIntegerField(editable=False, null=True)),
                (
                    "aigc",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        verbose_name="incoming AIGC metadata",
                    ),
                ),
                (
                    "content_changed_at",
                    models.DateTimeField(
                        editable=False, null=True, verbose_name="content last changed"
                    ),
                ),
                ("content_hash", models.CharField(blank=True, editable=False, max_length=64)),
                (
                    "complete",
                    models.BooleanField(
                        default=False,
                        editable=False,
                        help_text="Has a title, a summary, TL;DR bullets and an analysis.",
                        verbose_name="complete",
                    ),
                ),
                (
                    "edited_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="last edited by",
                    ),
                ),
                (
                    "master",
                    parler.fields.TranslationsForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="translations",
                        to="cms.story",
                    ),
                ),
            ],
            options={
                "verbose_name": "story translation",
                "verbose_name_plural": "story translations",
                "db_table": "cms_story_translation",
                "default_permissions": (),
                "unique_together": {("language_code", "master")},
            },
            bases=(parler.models.TranslatedFieldsModelMixin, models.Model),
        ),
        migrations.AddConstraint(
            model_name="storytag",
            constraint=models.UniqueConstraint(fields=("story", "tag"), name="story_tag_once"),
        ),
        migrations.AddConstraint(
            model_name="storycount",
            constraint=models.UniqueConstraint(
                fields=("language", "tag"), name="story_count_once_per_tag"
            ),
        ),
        migrations.AddConstraint(
            model_name="storycount",
            constraint=models.UniqueConstraint(
                condition=models.Q(("tag__isnull", True)),
                fields=("language",),
                name="story_count_once_in_all",
            ),
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(
                fields=["status", "-published_at", "-id"], name="story_published_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(fields=["status", "-updated_at", "-id"], name="story_updated_idx"),
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(
                fields=["status", "-pinned", "-hot", "-published_at", "-id"], name="story_hot_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(
                condition=models.Q(("live_since__isnull", True), ("status", "published")),
                fields=["published_at"],
                name="story_unannounced_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(
                condition=models.Q(("expires_at__isnull", False), ("status", "published")),
                fields=["expires_at"],
                name="story_expiry_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.CheckConstraint(
                condition=models.Q(("hot__gte", 0), ("hot__lte", 100)), name="story_hot_0_100"
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("hot_computed__isnull", True),
                    models.Q(("hot_computed__gte", 0), ("hot_computed__lte", 100)),
                    _connector="OR",
                ),
                name="story_hot_computed_0_100",
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("hot_override__isnull", True),
                    models.Q(("hot_override__gte", 0), ("hot_override__lte", 100)),
                    _connector="OR",
                ),
                name="story_hot_override_0_100",
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.CheckConstraint(
                condition=models.Q(("quality__gte", 0), ("quality__lte", 100)),
                name="story_quality_0_100",
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.CheckConstraint(
                condition=models.Q(("impact__gte", 0), ("impact__lte", 100)),
                name="story_impact_0_100",
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "published"), _negated=True),
                    ("published_at__isnull", False),
                    _connector="OR",
                ),
                name="story_published_has_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="tagtranslation",
            constraint=models.UniqueConstraint(
                fields=("language_code", "master"), name="cms_tag_translation_uniq_lang"
            ),
        ),
        migrations.RunPython(create_trigram_extension, migrations.RunPython.noop),
        migrations.RunPython(install_roles, migrations.RunPython.noop),
        migrations.RunPython(create_search_table, drop_search_table),
    ]
