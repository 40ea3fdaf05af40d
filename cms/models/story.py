import hashlib
import json

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFieldsModel, TranslationsForeignKey

from cms import richtext
from cms.validators import ListOfRows, ListOfTexts

from .querysets import StoryManager

SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
KEY_DATA_FIELDS = ("entity", "detail", "metric")
INSIGHT_FIELDS = ("title", "body")
FAQ_FIELDS = ("question", "answer")


def score_field(name, help_text):
    return models.PositiveSmallIntegerField(
        name, default=0, validators=SCORE_VALIDATORS, help_text=help_text
    )


class State(models.TextChoices):
    """Where a story is in the workflow, as editors see it (scheduled is derived)."""

    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Story(TranslatableModel):
    """A news story: one slug, scores and counters, and a version per language."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        # A published story whose publish time is still ahead is "scheduled" (see `state`).
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

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
    # Hot ranking (cms/ranking.py): `hot` above is the effective score readers see.
    hot_computed = models.PositiveSmallIntegerField(
        _("computed hot score"),
        null=True,
        editable=False,
        validators=SCORE_VALIDATORS,
        help_text=_("The hot formula's last result, from views and shares."),
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
    view_count = models.PositiveBigIntegerField(_("views"), default=0, editable=False)
    share_count = models.PositiveBigIntegerField(_("shares"), default=0, editable=False)
    ai_generated = models.BooleanField(
        _("AI-generated"),
        default=True,
        help_text=_("Readers are shown a disclaimer on AI-generated stories."),
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
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="story_published_idx"),
            models.Index(fields=["status", "-updated_at", "-id"], name="story_updated_idx"),
            models.Index(
                fields=["status", "-pinned", "-hot", "-published_at", "-id"], name="story_hot_idx"
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

    def clean(self):
        # Before constraints are validated: publishing without a time means now.
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED:
            if self.published_at is None:
                self.published_at = timezone.now()
            if self.first_published_at is None:
                self.first_published_at = self.published_at
        # Readers see the editor's override, else the formula's last result, else the
        # score the story was given (the pipeline's first guess, before any ranking).
        if self.hot_override is not None:
            self.hot = self.hot_override
        elif self.hot_computed is not None:
            self.hot = self.hot_computed
        # "Updated" is never earlier than the publish time readers see.
        if self.published_at and (self.updated_at is None or self.updated_at < self.published_at):
            self.updated_at = self.published_at
        super().save(*args, **kwargs)

    def save_translations(self, *args, **kwargs):
        # Versions saved together changed together: none is older than another.
        self.content_time = timezone.now()
        super().save_translations(*args, **kwargs)

    def is_live(self, now=None):
        """Whether readers can see this story now."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= (now or timezone.now())
        )

    @property
    def state(self):
        """The workflow state: a published story whose time is still ahead is scheduled."""
        if self.status == self.Status.PUBLISHED and not self.is_live():
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
# A version is complete when it has all of these.
REQUIRED_FIELDS = ("title", "summary", "tldr", "analysis")


class StoryTranslation(TranslatedFieldsModel):
    """Everything a story says in one language; each language owns its lists."""

    master = TranslationsForeignKey(
        Story, related_name="translations", null=True, on_delete=models.CASCADE
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    tldr = models.JSONField(
        _("TL;DR"),
        default=list,
        blank=True,
        validators=[ListOfTexts()],
        help_text=_("Short bullets, in reading order."),
    )
    key_data = models.JSONField(
        _("key data"),
        default=list,
        blank=True,
        validators=[ListOfRows(KEY_DATA_FIELDS)],
        help_text=_("Rows of entity, detail and metric, in reading order."),
    )
    analysis = models.TextField(
        _("deep analysis"), blank=True, help_text=_("Markdown. Links, lists and emphasis work.")
    )
    analysis_html = models.TextField(editable=False, blank=True)
    analysis_text = models.TextField(editable=False, blank=True)
    insights = models.JSONField(
        _("industry insights"),
        default=list,
        blank=True,
        validators=[ListOfRows(INSIGHT_FIELDS)],
        help_text=_("Numbered insights, each a title and a body."),
    )
    faq = models.JSONField(
        _("FAQ"),
        default=list,
        blank=True,
        validators=[ListOfRows(FAQ_FIELDS)],
        help_text=_("Questions and answers, in reading order."),
    )
    search_document = models.TextField(editable=False, blank=True)
    origin = models.CharField(
        _("translated by"),
        max_length=10,
        choices=Origin.choices,
        default=Origin.HUMAN,
        help_text=_("Whether a person or a machine wrote this language's version."),
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
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

    def refresh_derived(self):
        """Recompute the rendered analysis and the search document from the editable fields."""
        self.analysis_html = richtext.render(self.analysis)
        self.analysis_text = richtext.to_text(self.analysis_html)
        self.refresh_text_derived()

    def refresh_text_derived(self):
        """Recompute what derives from the text once the analysis is rendered (search).

        Bulk generation (cms/demo/generator.py) renders the analysis its own way and then
        calls this, so every field derived here is filled there too.
        """
        self.search_document = "\n".join(
            part for part in (self.title, self.summary, self.analysis_text) if part
        ).lower()

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
        self.refresh_derived()
        self.refresh_state(now=getattr(self.master, "content_time", None))
        super().save(*args, **kwargs)
