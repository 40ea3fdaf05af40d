"""Readers' views and shares per story and day: what the hot ranking and the dashboard read."""

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StoryActivity(models.Model):
    """Views and shares one story got on one day (in the site's time zone)."""

    story = models.ForeignKey(
        "cms.Story", verbose_name=_("story"), on_delete=models.CASCADE, related_name="activity"
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)
    shares = models.PositiveIntegerField(_("shares"), default=0)

    class Meta:
        verbose_name = _("story activity")
        verbose_name_plural = _("story activity")
        ordering = ["-day", "story"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["story", "day"], name="activity_once_a_day"),
        ]
        # The dashboard's chart sums the last days of all stories.
        indexes = [models.Index(fields=["day"], name="activity_day_idx")]

    def __str__(self):
        return f"{self.story_id} {self.day}: {self.views} views, {self.shares} shares"

    @classmethod
    def record(cls, story_id, views=0, shares=0, day=None):
        """Add to a story's counts of `day` (today): in the caller's transaction, race-safe."""
        day = day or timezone.localdate()
        rows = cls.objects.filter(story_id=story_id, day=day)
        if rows.update(views=F("views") + views, shares=F("shares") + shares):
            return
        try:
            # A savepoint: losing the race to create the day's row must not spoil the
            # caller's transaction (PostgreSQL aborts it on an error otherwise).
            with transaction.atomic():
                cls.objects.create(story_id=story_id, day=day, views=views, shares=shares)
        except IntegrityError:
            rows.update(views=F("views") + views, shares=F("shares") + shares)
