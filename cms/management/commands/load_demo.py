from django.core.management.base import BaseCommand

from cms.demo import loader
from cms.demo import media as demo_media


class Command(BaseCommand):
    help = "Load the demo stories, tags and sources that do not exist yet; never overwrites."

    def handle(self, *args, **options):
        created = loader.load()
        if demo_media.load():
            self.stdout.write(
                self.style.SUCCESS(
                    f"Gave “{demo_media.STORY}” a lead image, a byline and a correction."
                )
            )
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded {created} demo stories."))
        else:
            self.stdout.write("Demo content already present; nothing changed.")
