"""Prune the partners' sync log: once, or every so many seconds (`make run` does hourly).

Superseded entries go, and those numbered more than CMS_SYNC_RETENTION_DAYS ago; a partner
whose round began before that resyncs from scratch (cms/sync/prune.py). Safe to run twice
or on several machines at once.
"""

import argparse
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _

from cms.management.commands.rank_stories import seconds
from cms.sync import prune


def batches(text):
    """A whole number of batches, at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            _("give a whole number of batches, at least 1; it was “%(value)s”.") % {"value": text}
        )
    return value


class Command(BaseCommand):
    help = "Delete superseded and old entries of the partners' sync log."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=seconds,
            metavar="SECONDS",
            help="Repeat every SECONDS seconds until stopped (default: once).",
        )
        parser.add_argument(
            "--batches",
            type=batches,
            metavar="N",
            help="At most N batches of entries per run (default: until done).",
        )

    def handle(self, *args, every=None, batches=None, **options):
        if every is None:
            self.prune(batches)
            return
        try:
            while True:
                # A long-lived process: drop a connection the database closed meanwhile.
                close_old_connections()
                try:
                    self.prune(batches)
                except Exception as error:  # The next round may well succeed.
                    self.stderr.write(_("Pruning failed: %(error)s") % {"error": error})
                time.sleep(every)
        except KeyboardInterrupt:
            pass

    def prune(self, max_batches):
        done = prune.prune(max_batches=max_batches)
        self.stdout.write(
            _(
                "Sync log pruned: %(superseded)s superseded and %(expired)s old entries "
                "deleted in %(batches)s batches."
            )
            % {"superseded": done.superseded, "expired": done.expired, "batches": done.batches}
        )
        if done.horizon:
            self.stdout.write(
                _(
                    "Sync rounds reading the log from before entry %(horizon)s are refused: "
                    "their partners resync from scratch."
                )
                % {"horizon": done.horizon}
            )
        if done.more:
            self.stdout.write(_("More is left for the next run."))
