from django.core.management.base import BaseCommand

from cms.demo import loader


class Command(BaseCommand):
    help = "Load the demo stories, tags and sources that do not exist yet; never overwrites."

    def handle(self, *args, **options):
        created = loader.load()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded {created} demo stories."))
        else:
            self.stdout.write("Demo content already present; nothing changed.")
