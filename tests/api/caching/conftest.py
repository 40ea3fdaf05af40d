"""A story the response-cache and invalidation tests read and change."""

import pytest

from tests.factories import make_source, make_story, make_tag


@pytest.fixture
def story():
    tag = make_tag("security", en="Security", zh_hans="安全")
    source = make_source("semafor", en="Semafor")
    return make_story("s", tags=[tag], source=source, title_en="Original title")
