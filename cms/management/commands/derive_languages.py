"""Write every story's derived language versions from their sources (CMS_DERIVED_LANGUAGES).

Versions are derived as their source is saved; stories written before a language was
derived (turning Traditional Chinese on for an existing archive), stories written in bulk
without saves (the demo's archive generator), and a change of the conversion (s2twp to
s2hk) need this once. Editors' overrides are kept, as on any regeneration.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from cms.core import languages
from cms.models import StoryTranslation
from cms.stories import derived


class Command(BaseCommand):
    help = (
        "Regenerate every story's derived language versions (CMS_DERIVED_LANGUAGES) from "
        "their sources, keeping editors' overrides."
    )

    def handle(self, *args, **options):
        sources = sorted({source for source, _conversion in languages.derived().values()})
        if not sources:
            self.stdout.write("No language is derived (CMS_DERIVED_LANGUAGES): nothing to do.")
            return
        rows = StoryTranslation.objects.filter(language_code__in=sources).select_related("master")
        written = 0
        with tqdm(total=rows.count(), unit="version", disable=options["verbosity"] == 0) as bar:
            for row in rows.iterator(chunk_size=200):
                with transaction.atomic():
                    derived.regenerate(row)
                written += 1
                bar.update()
        self.stdout.write(self.style.SUCCESS(f"Derived from {written} source versions."))
