from django.core.management.base import BaseCommand

from cms.media import figures
from cms.models import Story, StoryImage
from cms.stories import publishing

# Stories rendered per batch: their versions are read together.
BATCH = 200


class Command(BaseCommand):
    help = (
        "Render again every analysis that places images (after changing CMS_MEDIA_URL, "
        "CMS_IMAGE_WIDTHS or CMS_FIGURE_SIZES, which the saved HTML was rendered with)."
    )

    def handle(self, *args, **options):
        story_ids = sorted(set(StoryImage.objects.values_list("story_id", flat=True)))
        changed = set()
        for start in range(0, len(story_ids), BATCH):
            changed |= figures.refresh_stories(story_ids[start : start + BATCH])
        # Readers' caches and edges drop what they hold of the live ones.
        for story in Story.objects.filter(pk__in=sorted(changed)).published():
            publishing.announce(story, material=False, schedule=False)
        self.stdout.write(self.style.SUCCESS(f"Rendered {len(changed)} stories again."))
