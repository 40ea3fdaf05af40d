import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFieldsModel, TranslationsForeignKey

from cms.core import sharing
from cms.core.text import FitText
from cms.core.validators import ListOfRows, ListOfTexts

from .disclosure import Involvement
from .live import LiveStatus
from .querysets import StoryManager

SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
KEY_DATA_FIELDS = ("entity", "detail", "metric")
INSIGHT_FIELDS = ("title", "body")
FAQ_FIELDS = ("question", "answer")


def score_field(name, help_text):
    return models.PositiveSmallIntegerField(
        name, default=0, validators=SCORE_VALIDATORS, help_text=help_text
    )


# Written only by the workflow transition and the counts, never by a story's own save.
ANNOUNCEMENT_FIELDS = ("live_since", "counted_in")
# Derived from the language versions' grades when they are saved (cms.disclosure.rules).
DERIVED_FIELDS = ("ai_generated",)
# Live coverage is started and ended from the composer (cms.stories.live) alone.
LIVE_FIELDS = ("live_status", "coverage_started_at", "coverage_ended_at")


class State(models.TextChoices):
    """Where a story is in the workflow, as editors see it (scheduled is derived)."""

    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")
    KILLED = "killed", _("Killed")


class Story(TranslatableModel):
    """A news story: one slug, scores and counters, and a version per language."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        # A published story whose publish time is still ahead is "scheduled" (see `state`).
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")
        # Taken down everywhere for legal or factual reasons, partners included; final.
        KILLED = "killed", _("Killed")

    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The story's address on the reader site, shared by all languages."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_(
            "Readers see a published story from this time on. "
            "Left empty, it is set to the moment the story is published."
        ),
    )
    expires_at = models.DateTimeField(
        _("expiry time"),
        null=True,
        blank=True,
        help_text=_(
            "Readers stop seeing the story at this time, by itself: it leaves lists, search, "
            "feeds and sitemaps, and partners are told it was unpublished. Leave empty to "
            "keep it."
        ),
    )
    first_published_at = models.DateTimeField(_("first published"), null=True, editable=False)
    updated_at = models.DateTimeField(
        _("updated"),
        null=True,
        blank=True,
        help_text=_("The last material edit readers are told about (“Updated 2h ago”)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("last saved"), auto_now=True)
    hot = score_field(_("hot"), _("How much attention the story gets, 0–100."))
    quality = score_field(_("quality"), _("How solid the reporting is, 0–100."))
    impact = score_field(_("impact"), _("How much it matters to the industry, 0–100."))
    # Hot ranking (cms/counting/ranking.py): `hot` above is the effective score readers see.
    hot_computed = models.PositiveSmallIntegerField(
        _("computed hot score"),
        null=True,
        editable=False,
        validators=SCORE_VALIDATORS,
        help_text=_(
            "The hot ranking's last result: the estimate blended with readers' views and shares."
        ),
    )
    # The blend's prior (cms/counting/ranking.py): the score the story was given, with the counters
    # as they stood then, so that only engagement after the estimate moves it.
    hot_prior = models.PositiveSmallIntegerField(
        _("estimated hot score"),
        null=True,
        editable=False,
        # Always a copy of `hot`, which is validated and constrained: errors name that field.
        help_text=_(
            "The hot score the story was given (by the story pipeline): the ranking starts "
            "from it, and readers' views and shares move it from there."
        ),
    )
    hot_prior_views = models.PositiveBigIntegerField(
        _("views when estimated"), default=0, editable=False
    )
    hot_prior_shares = models.PositiveBigIntegerField(
        _("shares when estimated"), default=0, editable=False
    )
    hot_override = models.PositiveSmallIntegerField(
        _("hot score override"),
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
        help_text=_(
            "Set a hot score (0–100) by hand instead of the computed one; "
            "leave empty to use the computed score."
        ),
    )
    pinned = models.BooleanField(
        _("pinned"),
        default=False,
        help_text=_("Pinned stories lead the hot list, whatever their scores."),
    )
    killed_at = models.DateTimeField(_("killed"), null=True, blank=True, editable=False)
    kill_notice = models.JSONField(
        _("kill notice"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Why the story was killed, by language: partners receive it."),
    )
    live_since = models.DateTimeField(
        _("live since"),
        null=True,
        editable=False,
        help_text=_("When readers were told the story went live; empty while it is not public."),
    )
    live_status = models.CharField(
        _("live coverage"),
        max_length=10,
        choices=LiveStatus.choices,
        blank=True,
        default="",
        editable=False,
        help_text=_("Whether the story carries live coverage, and whether it is still running."),
    )
    coverage_started_at = models.DateTimeField(_("coverage started"), null=True, editable=False)
    coverage_ended_at = models.DateTimeField(_("coverage ended"), null=True, editable=False)
    # Where the story is counted in `StoryCount` ("en", "en:12" for a tag): cms.counting.counts.
    counted_in = models.JSONField(default=list, editable=False)
    view_count = models.PositiveBigIntegerField(_("views"), default=0, editable=False)
    share_count = models.PositiveBigIntegerField(_("shares"), default=0, editable=False)
    # A view of the language versions' grades, kept by StoryTranslation.save (see
    # cms.disclosure.rules.sync_story); never written from a form.
    ai_generated = models.BooleanField(
        _("AI-generated"),
        default=True,
        editable=False,
        help_text=_("Whether AI wrote any language version of the story."),
    )
    source = models.ForeignKey(
        "cms.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stories",
    )
    source_url = models.URLField(
        _("original article"),
        max_length=1000,
        blank=True,
        help_text=_("The address of the article this story cites."),
    )
    original_language = models.CharField(
        _("original language"),
        max_length=15,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language the story is written in. Other languages' versions are "
            "marked outdated when this one changes after them."
        ),
    )
    edit_version = models.PositiveIntegerField(
        _("edit version"),
        default=0,
        editable=False,
        help_text=_("Counts saves, so that a save based on an older version is refused."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The story pipeline's id for this story; ingestion updates by it."),
    )
    image = models.ForeignKey(
        "cms.Image",
        verbose_name=_("lead image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        help_text=_("Shown atop the story and on share cards, in feeds and in search results."),
    )
    editor = models.ForeignKey(
        "cms.Author",
        verbose_name=_("responsible editor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="edited_stories",
        help_text=_("The person who answers for the story, named to readers."),
    )
    tags = models.ManyToManyField(
        "cms.Tag",
        verbose_name=_("tags"),
        blank=True,
        related_name="stories",
        through="cms.StoryTag",
    )

    objects = StoryManager()

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("review_story", _("Can review stories: send back, archive, edit live stories")),
            ("publish_story", _("Can publish, schedule and unpublish stories")),
            ("translate_story", _("Can translate stories into assigned languages")),
            ("kill_story", _("Can kill stories: take them down everywhere, partners included")),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="story_published_idx"),
            models.Index(fields=["status", "-updated_at", "-id"], name="story_updated_idx"),
            models.Index(
                fields=["status", "-pinned", "-hot", "-published_at", "-id"], name="story_hot_idx"
            ),
            # Live stories the workflow has not announced yet (a scheduled story whose
            # time came before the worker's scheduler ran): counted on read (cms.counting.counts).
            models.Index(
                fields=["published_at"],
                condition=models.Q(status="published", live_since__isnull=True),
                name="story_unannounced_idx",
            ),
            # Stories that leave the public at their expiry time: the next visibility
            # change (`StoryQuerySet.next_publication`) and counts read them (cms.counting.counts).
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status="published", expires_at__isnull=False),
                name="story_expiry_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hot__gte=0, hot__lte=100), name="story_hot_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(hot_computed__isnull=True)
                | models.Q(hot_computed__gte=0, hot_computed__lte=100),
                name="story_hot_computed_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(hot_override__isnull=True)
                | models.Q(hot_override__gte=0, hot_override__lte=100),
                name="story_hot_override_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(quality__gte=0, quality__lte=100), name="story_quality_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(impact__gte=0, impact__lte=100), name="story_impact_0_100"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="story_published_has_time",
            ),
        ]

    def __str__(self):
        return self.safe_translation_getter("title", any_language=True) or self.slug

    def estimate_hot(self, score):
        """Give the story a hot score estimate (the pipeline's): the ranking's new prior.

        Readers' views and shares counted from now on move the score away from it (see
        cms/counting/ranking.py). Giving the estimate the story already has changes nothing, so a
        pipeline sending the same score again does not restart the blend.
        """
        if score == self.hot_prior:
            return
        self.hot_prior = score
        self.hot_prior_views = self.view_count
        self.hot_prior_shares = self.share_count
        # The last ranking blended the old estimate; the new one stands until the next.
        self.hot_computed = None
        self.hot = score

    def clean(self):
        # Before constraints are validated: publishing without a time means now.
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if (
            self.expires_at is not None
            and self.published_at is not None
            and self.expires_at <= self.published_at
        ):
            raise ValidationError(
                {"expires_at": _("The expiry time must be after the publish time.")}
            )

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED:
            if self.published_at is None:
                self.published_at = timezone.now()
            if self.first_published_at is None:
                self.first_published_at = self.published_at
        if self._state.adding and self.hot_prior is None and self.hot:
            # A story created with a score (the default 0: none) starts from it.
            self.estimate_hot(self.hot)
        self.hot = self.effective_hot
        # "Updated" is never earlier than the publish time readers see.
        if self.published_at and (self.updated_at is None or self.updated_at < self.published_at):
            self.updated_at = self.published_at
        if not self._state.adding and kwargs.get("update_fields") is None and not args:
            # What readers were told and where the story is counted are written by
            # cms.stories.publishing and cms.counting.counts alone, under a row lock: a save of
            # an instance loaded before them must not undo their work.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name not in ANNOUNCEMENT_FIELDS
                and field.name not in DERIVED_FIELDS
                and field.name not in LIVE_FIELDS
            ]
        super().save(*args, **kwargs)

    def save_translations(self, *args, **kwargs):
        # Versions saved together changed together: none is older than another.
        self.content_time = timezone.now()
        super().save_translations(*args, **kwargs)

    @property
    def effective_hot(self):
        """The hot score readers see: the editor's override, else the ranking's last
        result, else the score the story was given (the pipeline's estimate)."""
        if self.hot_override is not None:
            return self.hot_override
        if self.hot_computed is not None:
            return self.hot_computed
        if self.hot_prior is not None:
            return self.hot_prior
        return self.hot

    def get_absolute_url(self, language=None):
        """The story's canonical address on the reader site, in `language` (default: the
        original language)."""
        return sharing.canonical_url(self.slug, language or self.original_language)

    @property
    def cited_url(self):
        """The article the story cites, else its source's homepage, else ""."""
        if self.source_url:
            return self.source_url
        return self.source.homepage if self.source_id is not None else ""

    def is_live(self, now=None):
        """Whether readers can see this story now (`querysets.live_q` in SQL)."""
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
            and (self.expires_at is None or self.expires_at > now)
        )

    def is_expired(self, now=None):
        """Whether the story was published and its expiry time has passed."""
        return (
            self.status == self.Status.PUBLISHED
            and self.expires_at is not None
            and self.expires_at <= (now or timezone.now())
        )

    @property
    def state(self):
        """The workflow state: a published story whose time is still ahead is scheduled.

        An expired story stays published in the workflow (readers no longer see it).
        """
        if self.status == self.Status.PUBLISHED and (
            self.published_at is None or self.published_at > timezone.now()
        ):
            return State.SCHEDULED
        return State(self.status)

    def mark_updated(self, now=None):
        """Record a material edit: readers of a live story see a new "Updated" time."""
        if self.is_live(now):
            self.updated_at = now or timezone.now()


class StoryTag(models.Model):
    """A tag on a story, at the position the editor put it."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(
        "cms.Tag", verbose_name=_("tag"), on_delete=models.CASCADE, related_name="story_links"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["story", "tag"], name="story_tag_once"),
        ]

    def __str__(self):
        return str(self.tag)


def set_tags(story, tags):
    """Replace the story's tags with `tags`, in that order."""
    StoryTag.objects.filter(story=story).delete()
    for position, tag in enumerate(tags):
        StoryTag.objects.create(story=story, tag=tag, position=position)


class Origin(models.TextChoices):
    """Who wrote a language version."""

    HUMAN = "human", _("A person")
    MACHINE = "machine", _("Machine translation")


# What a language version says: a change to any of these is a change of its content.
CONTENT_FIELDS = ("title", "summary", "tldr", "key_data", "analysis", "insights", "faq")
# What each language owns and a translator writes: its content and how much AI wrote it.
TRANSLATED_FIELDS = (*CONTENT_FIELDS, "ai_involvement")
# A version is complete when it has all of these.
REQUIRED_FIELDS = ("title", "summary", "tldr", "analysis")


class StoryTranslation(TranslatedFieldsModel):
    """Everything a story says in one language; each language owns its lists."""

    master = TranslationsForeignKey(
        Story, related_name="translations", null=True, on_delete=models.CASCADE
    )
    title = models.CharField(_("title"), max_length=300, validators=[FitText()])
    summary = models.TextField(_("summary"), blank=True, validators=[FitText()])
    tldr = models.JSONField(
        _("TL;DR"),
        default=list,
        blank=True,
        validators=[ListOfTexts(), FitText()],
        help_text=_("Short bullets, in reading order."),
    )
    key_data = models.JSONField(
        _("key data"),
        default=list,
        blank=True,
        validators=[ListOfRows(KEY_DATA_FIELDS), FitText()],
        help_text=_("Rows of entity, detail and metric, in reading order."),
    )
    analysis = models.TextField(
        _("deep analysis"),
        blank=True,
        validators=[FitText()],
        help_text=_(
            "Markdown. Links, lists and emphasis work. Place one of the story's images on a "
            "line of its own with ![[image:12]] (its number is listed under “Images in the "
            "analysis”)."
        ),
    )
    analysis_html = models.TextField(editable=False, blank=True)
    analysis_text = models.TextField(editable=False, blank=True)
    # The ids of the images `analysis_html` shows, in order of first appearance (cms.media.figures).
    analysis_images = models.JSONField(default=list, blank=True, editable=False)
    insights = models.JSONField(
        _("industry insights"),
        default=list,
        blank=True,
        validators=[ListOfRows(INSIGHT_FIELDS), FitText()],
        help_text=_("Numbered insights, each a title and a body."),
    )
    faq = models.JSONField(
        _("FAQ"),
        default=list,
        blank=True,
        validators=[ListOfRows(FAQ_FIELDS), FitText()],
        help_text=_("Questions and answers, in reading order."),
    )
    # The search engine's tokens and language markers (cms/search/engine.py); on PostgreSQL
    # triggers copy them into the table `cms_story_search`, whose `search_vector` carries the
    # GIN index (migration 0001).
    search_terms = models.TextField(editable=False, blank=True)
    search_scope = models.TextField(editable=False, blank=True)
    ai_involvement = models.CharField(
        _("AI involvement"),
        max_length=20,
        choices=Involvement.choices,
        default=Involvement.AI_GENERATED,
        help_text=_(
            "How much AI wrote this language version; readers are told. Only an editor "
            "may lower it, giving a reason."
        ),
    )
    # A view of `ai_involvement` (machine-translated grades), kept in `save`.
    origin = models.CharField(
        _("translated by"),
        max_length=10,
        choices=Origin.choices,
        default=Origin.HUMAN,
        editable=False,
        help_text=_("Whether a person or a machine wrote this language's version."),
    )
    # The last human review (the history is in DisclosureRecord): it covers the content
    # whose hash it names, and no later one.
    reviewed_hash = models.CharField(max_length=64, editable=False, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, editable=False)
    reviewed_role = models.CharField(_("reviewed as"), max_length=40, editable=False, blank=True)
    reviewed_edit_version = models.PositiveIntegerField(null=True, editable=False)
    # Implicit labels that came with the text (GB 45438-2025 `AIGC` fields), kept as given.
    aigc = models.JSONField(_("incoming AIGC metadata"), default=dict, blank=True, editable=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set on a version generated from another language's text (CMS_DERIVED_LANGUAGES, kept
    # by cms/stories/derived.py): the language it was converted from. Readers are told.
    derived_from = models.CharField(
        _("converted from"), max_length=15, blank=True, default="", editable=False
    )
    # The fields of a derived version an editor wrote by hand: {field: the hash of the
    # source field's value when it was overridden}. Regeneration keeps them; a source
    # field whose hash moved on flags its override for a look (`stale_overrides`).
    overrides = models.JSONField(_("overridden fields"), default=dict, blank=True, editable=False)
    # Whether a source field changed under an override since it was written (kept with
    # `overrides` by cms/stories/derived.py), so that editors can list what to look at.
    overrides_stale = models.BooleanField(
        _("overrides to check"), default=False, editable=False, db_index=True
    )
    content_changed_at = models.DateTimeField(_("content last changed"), null=True, editable=False)
    content_hash = models.CharField(max_length=64, editable=False, blank=True)
    complete = models.BooleanField(
        _("complete"),
        default=False,
        editable=False,
        help_text=_("Has a title, a summary, TL;DR bullets and an analysis."),
    )

    class Meta:
        verbose_name = _("story translation")
        verbose_name_plural = _("story translations")
        db_table = "cms_story_translation"
        unique_together = [("language_code", "master")]
        default_permissions = ()

    def __str__(self):
        return self.title

    def content_fingerprint(self):
        """A hash of what this version says, to notice when its content really changes."""
        content = {name: getattr(self, name) for name in CONTENT_FIELDS}
        raw = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()

    def refresh_state(self, now=None):
        """Recompute completeness, and the content time when the content changed."""
        self.complete = all(
            (getattr(self, name) or "") if name != "tldr" else any(self.tldr or [])
            for name in REQUIRED_FIELDS
        )
        fingerprint = self.content_fingerprint()
        if fingerprint != self.content_hash:
            self.content_hash = fingerprint
            self.content_changed_at = now or timezone.now()

    def save(self, *args, **kwargs):
        # What derives from other capabilities (the rendered analysis, search terms, the
        # grade) is computed by `cms.stories.derive` as the row is written.
        self.refresh_state(now=getattr(self.master, "content_time", None))
        super().save(*args, **kwargs)
