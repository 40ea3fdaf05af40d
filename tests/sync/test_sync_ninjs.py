"""The sync offers each version as IPTC ninjs too, and a killed story's tombstone as the
canceled news item it leaves, validated with IPTC's schemas."""

import pytest

from cms.serving import ninjs
from cms.stories import publishing
from tests.factories import make_story, make_user
from tests.ninjs_validation import problems

from .mirror import Mirror
from .test_sync_pages import issue

pytestmark = pytest.mark.django_db


def test_every_synced_version_is_also_a_valid_ninjs_item_of_the_same_story():
    story = make_story("chips", faq_en=[{"question": "Why?", "answer": "Demand."}])
    mirror = Mirror(issue()).sync()
    for (story_id, language), version in mirror.versions.items():
        item = version["ninjs"]
        assert problems(item, "2.2") == []
        assert item["uri"] == ninjs.story_uri(story_id, language)
        assert item["pubstatus"] == "usable"
        assert item["headlines"][0]["value"] == version["title"]
    assert mirror.versions[(story.pk, "en")]["ninjs"] == ninjs.document(story, "en")


def test_a_killed_storys_tombstone_carries_the_canceled_item_with_the_notice_and_no_content():
    story = make_story("leak")
    key = issue()
    mirror = Mirror(key).sync()
    publisher = make_user("pub", "Publisher")
    notice = {"en": "A court ordered its removal.", "zh-hans": "法院下令删除。"}
    publishing.kill(story, publisher, notice)
    mirror.sync()
    killed = [item for item in mirror.seen if item.get("reason") == "killed"]
    assert {item["language"] for item in killed} == {"en", "zh-hans"}
    for item in killed:
        canceled = item["ninjs"]
        assert problems(canceled, "2.2") == []
        assert canceled["pubstatus"] == "canceled"
        assert canceled["descriptions"] == [
            {"role": "notice", "contenttype": "text/plain", "value": notice[item["language"]]}
        ]
        assert not {"headlines", "bodies", "associations"} & set(canceled)
    story.refresh_from_db()
    assert ninjs.pubstatus(story) == "canceled"
