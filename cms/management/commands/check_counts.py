from django.core.management.base import BaseCommand, CommandError

from cms.counting import counts


class Command(BaseCommand):
    help = (
        "Compare the maintained story counts (totalCount, tag storyCount) with a recount "
        "of the archive; with --repair, rebuild them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Rebuild the counts from the archive."
        )

    def handle(self, *args, **options):
        wrong, misplaced = counts.drift()
        for (language, tag_id), (stored, right) in sorted(
            wrong.items(), key=lambda item: (item[0][0], item[0][1] or 0)
        ):
            where = f"{language}, tag {tag_id}" if tag_id else f"{language}, all stories"
            self.stdout.write(f"{where}: stored {stored}, should be {right}")
        if misplaced:
            self.stdout.write(f"{misplaced} stories record the wrong places.")
        if not wrong and not misplaced:
            self.stdout.write("Every count is right.")
            return
        if not options["repair"]:
            raise CommandError(
                f"{len(wrong)} count(s) drifted; run `manage.py check_counts --repair`."
            )
        total = counts.rebuild()
        self.stdout.write(f"Rebuilt {total} counts.")
