from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cms.models import Story
from cms.translation import machine

from .export_xliff import language


class Command(BaseCommand):
    help = (
        "Draft machine translations of stories with the configured service (DeepL: set "
        "CMS_DEEPL_AUTH_KEY). Each becomes a proposal graded machine-translated, waiting for an "
        "editor's review; nothing is published."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+", help="The stories, by slug.")
        parser.add_argument("--target", required=True, help="The language to translate into.")
        parser.add_argument("--source", required=True, help="The language to translate from.")
        parser.add_argument("--user", required=True, help="Who the proposals are made by.")

    def handle(self, *args, **options):
        source = language(options["source"], "--source")
        target = language(options["target"], "--target")
        if source == target:
            raise CommandError("--source and --target name the same language.")
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        stories = {story.slug: story for story in Story.objects.filter(slug__in=options["slugs"])}
        missing = [slug for slug in options["slugs"] if slug not in stories]
        if missing:
            raise CommandError(f"No story with the slug(s): {', '.join(missing)}.")
        failed = 0
        for slug in options["slugs"]:
            try:
                proposal = machine.draft(stories[slug], source, target, user)
            except machine.MachineTranslationError as error:
                if not error.per_story:
                    raise CommandError(str(error)) from None
                self.stderr.write(f"{slug}: {error}")
                failed += 1
                continue
            state = "proposed" if proposal is not None else "unchanged"
            self.stdout.write(f"{slug}: {state} ({target}).")
        if failed:
            raise CommandError(f"{failed} story(ies) were not translated; see above.")
