from django.core.management.base import BaseCommand
from tqdm import tqdm

from cms.models import StoryTranslation
from cms.search import index


class Command(BaseCommand):
    help = (
        "Recompute every language version's search terms and language markers (after "
        "changing the analysis in cms/search/engine.py or CMS_FALLBACK_LANGUAGE)."
    )

    def handle(self, *args, **options):
        total = StoryTranslation.objects.count()
        with tqdm(total=total, unit="version", disable=options["verbosity"] == 0) as bar:
            written = index.reindex(progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"Reindexed {written} language versions."))
