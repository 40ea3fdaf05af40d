import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.ingest import exports, ninjs
from cms.ingest import pipeline as ingest


class Command(BaseCommand):
    help = (
        "Import stories from a JSON Lines file, one story per line (the shape of "
        "`upsertStory`'s input, in snake_case, with `translations` keyed by language; "
        "`export_stories` writes it). Good lines are imported; each bad line is reported "
        "and leaves nothing behind. With --ninjs, the file holds IPTC ninjs text items: one "
        "JSON document, or one per line."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .jsonl file.")
        parser.add_argument(
            "--publish", action="store_true", help="Allow lines that ask to be published."
        )
        parser.add_argument(
            "--ninjs",
            action="store_true",
            help="Read IPTC ninjs items (published if usable, with --publish).",
        )
        parser.add_argument(
            "--language", help="With --ninjs: the language of items that name none, e.g. en."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            # JSON Lines ends a line at "\n" alone (a "\r" before it is JSON whitespace);
            # str.splitlines() would also split inside a story's text at U+2028, U+2029,
            # U+0085 and other separators JSON carries unescaped, and number lines wrongly.
            lines = path.read_text(encoding="utf-8").split("\n")
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text.") from None
        if options["ninjs"]:
            lines = _ninjs_lines(lines)
        created = updated = 0
        failures = []
        for number, line in enumerate(
            tqdm(lines, unit="line", disable=options["verbosity"] == 0), start=1
        ):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                failures.append((number, f"not valid JSON ({error.msg}, column {error.colno})"))
                continue
            except RecursionError:
                failures.append((number, "not valid JSON (nested too deeply)"))
                continue
            try:
                if options["ninjs"]:
                    _story, was_created = ninjs.upsert(
                        data,
                        may_publish=options["publish"],
                        publish=options["publish"],
                        language=options["language"],
                    )
                else:
                    _story, was_created = ingest.upsert(
                        exports.importable(data), may_publish=options["publish"]
                    )
            except ingest.IngestError as error:
                failures.append((number, str(error)))
                continue
            created += was_created
            updated += not was_created
        for number, reason in failures:
            self.stderr.write(f"line {number}: {reason}")
        self.stdout.write(f"{created} created, {updated} updated, {len(failures)} refused.")
        if failures:
            raise CommandError(f"{len(failures)} line(s) were not imported; see above.")


def _ninjs_lines(lines):
    """A file of one pretty-printed ninjs document is read as that one document (on its
    first line); JSON Lines stay as they are."""
    text = "\n".join(lines)
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return lines
    return [json.dumps(document, ensure_ascii=False)]
