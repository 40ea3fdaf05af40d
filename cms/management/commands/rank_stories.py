"""Recompute the stories' hot scores: once, or every so many seconds (`make run` does)."""

import argparse
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms.counting.ranking import recompute_hot


def seconds(text):
    """A whole number of seconds, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("give a whole number of seconds; it was “%(value)s”.") % {"value": text}
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            _("give at least 1 second; it was %(value)s.") % {"value": value}
        )
    return value


class Command(BaseCommand):
    help = "Recompute the hot scores of published stories from their views and shares."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=seconds,
            metavar="SECONDS",
            help="Repeat every SECONDS seconds until stopped (default: once).",
        )

    def handle(self, *args, every=None, **options):
        verbose = options["verbosity"] > 1
        if every is None:
            self.rank(verbose)
            return
        self.stdout.write(
            ngettext(
                "Ranking the stories every second; Ctrl-C stops.",
                "Ranking the stories every %(seconds)s seconds; Ctrl-C stops.",
                every,
            )
            % {"seconds": every}
        )
        try:
            while True:
                # A long-lived process: drop a connection the database closed meanwhile.
                close_old_connections()
                try:
                    self.rank(verbose)
                except Exception as error:  # The next round may well succeed.
                    self.stderr.write(_("Ranking failed: %(error)s") % {"error": error})
                time.sleep(every)
        except KeyboardInterrupt:
            pass

    def rank(self, verbose):
        progress = None
        if verbose:

            def progress(ranked):
                self.stdout.write(_("%(ranked)s stories ranked…") % {"ranked": ranked})

        counts = recompute_hot(progress=progress)
        self.stdout.write(
            _("Published stories ranked: %(ranked)s; hot scores changed: %(changed)s.") % counts
        )
