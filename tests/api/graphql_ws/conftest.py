"""Each test's channel layer is its own: on Redis, Pub/Sub channels are shared by every
database and every process using the server, so the prefix is unique per test."""

import uuid

import pytest
from channels.layers import channel_layers

from cms.stories import live
from tests.factories import make_story, make_user


@pytest.fixture(autouse=True)
def own_channel_layer(settings):
    layer = dict(settings.CHANNEL_LAYERS["default"])
    if "CONFIG" in layer:
        layer["CONFIG"] = {**layer["CONFIG"], "prefix": f"test-{uuid.uuid4().hex}"}
    settings.CHANNEL_LAYERS = {"default": layer}
    yield
    channel_layers.backends.clear()


@pytest.fixture
def publisher():
    return make_user("publisher", "Publisher")


@pytest.fixture
def story(publisher):
    """A published story whose live coverage is running."""
    story = make_story("hearing")
    live.start(story.pk, publisher)
    return story
