"""The mirror property: a copy built only from the sync equals what the key may read,
whatever the newsroom, the clock and the key's rights do between syncs (tests/sync/machine.py).
"""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from .machine import MirrorMachine

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
