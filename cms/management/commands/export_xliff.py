from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.core import languages
from cms.ingest import exports
from cms.models import Story
from cms.translation import roundtrip


def language(code, option):
    found = languages.normalize(code)
    if found is None:
        raise CommandError(
            f"Unknown language {code!r} for {option}: give one of {', '.join(languages.codes())}."
        )
    return found


class Command(BaseCommand):
    help = (
        "Export stories for translation as one XLIFF 2.0 file: a unit per field and per cell "
        "of each list row, with notes (field, limits, AI grade), and the target text where a "
        "translation exists. Translation agencies and CAT tools (Trados, memoQ, Phrase, "
        "Crowdin) read it; `import_xliff` takes their file back as translators' proposals."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="The stories, by slug (default: --status).")
        parser.add_argument("--target", required=True, help="The language to translate into.")
        parser.add_argument(
            "--source",
            help="The language to translate from (default: the site's default language, "
            "or the first other one when translating into it).",
        )
        parser.add_argument(
            "--status",
            choices=exports.STATUSES,
            default="live",
            help="Without slugs, which stories: live (the default), scheduled, draft, "
            "review, archived, or all.",
        )
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args, **options):
        target = language(options["target"], "--target")
        if options["source"] is not None:
            source = language(options["source"], "--source")
        else:
            default = languages.normalize(settings.LANGUAGE_CODE)
            source = (
                default
                if default != target
                else next(code for code in languages.codes() if code != target)
            )
        if source == target:
            raise CommandError("--source and --target name the same language.")
        if options["slugs"]:
            stories = Story.objects.filter(slug__in=options["slugs"])
            missing = sorted(set(options["slugs"]) - set(stories.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No story with the slug(s): {', '.join(missing)}.")
        else:
            stories = exports.select(options["status"])
        data, skipped = roundtrip.export(stories.order_by("pk"), source, target)
        for story in skipped:
            self.stderr.write(f"{story.slug} left out: it has no {source} version.")
        if not data:
            raise CommandError("No story to export.")
        if options["output"]:
            path = Path(options["output"])
            if not path.parent.is_dir():
                raise CommandError(f"No such folder: {path.parent}")
            try:
                path.write_bytes(data)
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error.strerror}") from None
            self.stdout.write(f"{data.count(b'<file ')} stories exported to {path}.")
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
