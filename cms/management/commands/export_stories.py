from datetime import datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cms.core import languages, values
from cms.ingest import exports


class Command(BaseCommand):
    help = (
        "Export stories as JSON Lines, one story per line with every language version: "
        "content, tags, source, bylines, the AI grade, the explicit label (a field, and the "
        "analysis's opening paragraph) and the GB 45438-2025 AIGC object. Live stories "
        "unless --status says otherwise; `import_stories` reads the file back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")
        parser.add_argument(
            "--status",
            choices=exports.STATUSES,
            default="live",
            help="Which stories: live (the default: what readers see now), scheduled, "
            "draft, review, archived, or all.",
        )
        parser.add_argument(
            "--language", help="Only this language's versions, of stories that have one."
        )
        parser.add_argument(
            "--since",
            help="Only stories saved at or after this time: an ISO 8601 date or time "
            "(2026-01-31, 2026-01-31T08:00:00+08:00; without a zone, the site's).",
        )

    def handle(self, *args, **options):
        language = None
        if options["language"] is not None:
            language = languages.normalize(options["language"])
            if language is None:
                raise CommandError(
                    f"Unknown language {options['language']!r}: give one of "
                    f"{', '.join(languages.codes())}."
                )
        since = _moment(options["since"]) if options["since"] is not None else None
        stories = exports.select(options["status"], since=since, language=language)
        left_out = []
        objects = exports.lines(stories, language=language, left_out=left_out)
        if options["output"]:
            path = Path(options["output"])
            if not path.parent.is_dir():
                raise CommandError(f"No such folder: {path.parent}")
            try:
                with path.open("w", encoding="utf-8") as out:
                    count = _write(out, objects)
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error.strerror}") from None
            self.stdout.write(f"{count} stories exported to {path}.")
        else:
            count = _write(self.stdout, objects)
            self.stderr.write(f"{count} stories exported.")
        for slug, code, grade in left_out:
            self.stderr.write(
                f"{slug} ({code}) left out: its AI grade {grade!r} is unknown, so it cannot "
                "be labelled; correct it in the admin (AI disclosure report, ?show=missing)."
            )


def _write(out, objects):
    count = 0
    for text in exports.jsonl(objects):
        out.write(text)
        count += 1
    return count


def _moment(text):
    """The time `--since` gives: a date means its first moment in the site's time zone."""
    value = text.strip()
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time()) if day is not None else None
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            f"--since {text!r} is not an ISO 8601 date or time, e.g. 2026-01-31 or "
            "2026-01-31T08:00:00Z."
        )
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (OverflowError, ValueError):
            moment = None
    # Compared in UTC: a time that leaves years 1-9999 there cannot be compared at all.
    moment = values.in_utc(moment)
    if moment is None:
        raise CommandError(f"--since {text!r} is out of range.")
    return moment
