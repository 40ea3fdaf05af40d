from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cms.translation import roundtrip, xliff


class Command(BaseCommand):
    help = (
        "Import a translated XLIFF 2.0 file (from `export_xliff`, back from an agency or a CAT "
        "tool). The whole file is checked first; if any unit is wrong, each problem is listed "
        "and nothing is imported. Otherwise every story whose translation changed gets a "
        "translator's proposal, which an editor approves or rejects in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the .xlf file.")
        parser.add_argument(
            "--user",
            required=True,
            help="The username the proposals are made by (a translator assigned the target "
            "language, or an editor).",
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > xliff.MAX_BYTES:
            raise CommandError(f"{path} is larger than {xliff.MAX_BYTES // (1024 * 1024)} MB.")
        try:
            outcome = roundtrip.import_xliff(path.read_bytes(), user)
        except xliff.XliffError as error:
            raise CommandError(f"{path}: {error}") from None
        except roundtrip.ImportRefused as refusal:
            for where, message in refusal.problems:
                self.stderr.write(f"{where}: {message}")
            raise CommandError(
                f"Nothing was imported: {len(refusal.problems)} problem(s), listed above."
            ) from None
        for proposal in outcome.proposals:
            self.stdout.write(f"{proposal.story.slug}: proposed ({proposal.language_code}).")
        self.stdout.write(
            f"{len(outcome.proposals)} proposal(s) made, {len(outcome.unchanged)} story(ies) "
            "unchanged."
        )
