"""Live entries and the edge: publishing, correcting or withdrawing an entry of a live story
is one change, one edge purge of the story (and the lists that show it)."""

import pytest

from cms.models import EdgePurge
from cms.stories import live
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def varnish(settings):
    # An edge to purge (nothing is sent: no worker runs here).
    settings.CMS_EDGE_PURGE_BACKEND = "varnish"
    settings.CMS_EDGE_VARNISH_URLS = ["http://127.0.0.1:9"]


def last_row():
    return EdgePurge.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.usefixtures("varnish")
def test_each_entry_step_on_a_live_story_writes_one_purge_of_the_story():
    publisher = make_user("publisher", "Publisher")
    story = make_story("hearing")
    live.start(story.pk, publisher)
    steps = [
        lambda: live.publish(story.pk, publisher, language="en", text="Opens."),
        lambda: live.correct(
            story.pk, publisher, story.live_entries.get().pk, text="Opened.", note="Tense."
        ),
        lambda: live.withdraw(story.pk, publisher, story.live_entries.get().pk),
        lambda: live.end(story.pk, publisher),
    ]
    for step in steps:
        before = last_row()
        step()
        (row,) = EdgePurge.objects.filter(pk__gt=before)
        assert f"story:{story.pk}" in row.dependencies
