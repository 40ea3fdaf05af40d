"""How many stories each language's readers see, overall and per tag, kept as counts.

Lists answer `totalCount` and tags their `storyCount` from these rows instead of counting
the archive (`cms.counting.counts` keeps them exact in the transactions that change them).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoryCount(models.Model):
    """The stories readers of `language` see (with its fallbacks), with `tag` or at all."""

    language = models.CharField(_("language"), max_length=15)
    tag = models.ForeignKey(
        "cms.Tag", verbose_name=_("tag"), null=True, blank=True, on_delete=models.CASCADE
    )
    count = models.IntegerField(_("stories"), default=0)

    class Meta:
        verbose_name = _("story count")
        verbose_name_plural = _("story counts")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["language", "tag"], name="story_count_once_per_tag"),
            models.UniqueConstraint(
                fields=["language"],
                condition=models.Q(tag__isnull=True),
                name="story_count_once_in_all",
            ),
        ]

    def __str__(self):
        return f"{self.language} {self.tag_id or '*'}: {self.count}"
