"""A partner's copy built only from the sync, and what the key may read, worked out
independently of the sync's code (from the models, story by story)."""

from django.utils import timezone

from cms.core import languages
from cms.models import Story
from cms.sync import pages


class Mirror:
    """What a partner holds: (story id, language) to the version the sync sent."""

    def __init__(self, key):
        self.key = key
        self.token = None
        self.versions = {}
        self.pages = 0
        # Every item received, in order (tombstones included).
        self.seen = []

    def apply(self, page):
        for item in page.items:
            self.seen.append(item)
            where = (item["storyId"], item["language"])
            if item["type"] == pages.UPSERT:
                self.versions[where] = item["version"]
            else:
                self.versions.pop(where, None)
        self.token = page.token
        self.pages += 1

    def sync(self, first=3, max_pages=10_000):
        """Ask for pages until the sync says the copy is up to date."""
        for _ in range(max_pages):
            page = pages.page(self.key, self.token, first)
            self.apply(page)
            if not page.has_more:
                return self
        raise AssertionError("the sync never finished")

    def titles(self):
        return {where: version["title"] for where, version in self.versions.items()}


def readable_titles(key, now=None):
    """(story id, language) to the title of every version `key` may read now."""
    now = now or timezone.now()
    allowed = set(key.languages) or set(languages.codes())
    tags = {tag.pk for tag in key.tags.all()}
    found = {}
    for story in Story.objects.prefetch_related("translations", "tag_links"):
        if story.status != Story.Status.PUBLISHED or story.published_at > now:
            continue
        if story.expires_at is not None and story.expires_at <= now:
            continue
        if tags and not tags & {link.tag_id for link in story.tag_links.all()}:
            continue
        for version in story.translations.all():
            if version.language_code in allowed:
                found[(story.pk, version.language_code)] = version.title
    return found
