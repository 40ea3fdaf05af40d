"""The mirror property: a copy built only from the sync equals what the key may read,
whatever the newsroom, the clock and the key's rights do between syncs (tests/sync/machine.py).
"""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from .machine import RETENTION, MirrorMachine

pytestmark = pytest.mark.django_db


def test_a_mirror_built_only_from_the_sync_equals_what_the_key_may_read_at_every_step():
    run_state_machine_as_test(
        MirrorMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            deadline=None,
        ),
    )


def test_a_partner_whose_round_was_pruned_resyncs_to_an_exact_copy():
    """The machine's steps in the order that cuts a round short: two stories edited after
    the partner's sync, the log pruned past the retention bound, then the partner syncs
    (without the refusal it would resume past the first edit and keep the old title)."""
    machine = MirrorMachine()
    try:
        machine.partner()
        first = machine.publish_new(("en",), 1, True)
        second = machine.publish_new(("en",), 1, True)
        machine.sync_to_the_end(3)
        machine.edit(first, "en")
        machine.edit(second, "en")
        machine.prune_the_log(2, None, RETENTION * 2)
        machine.sync_to_the_end(3)
    finally:
        machine.teardown()
