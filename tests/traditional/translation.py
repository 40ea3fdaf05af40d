"""A derived language is never a translation target: XLIFF files into Traditional Chinese
are refused, and the admin offers no direction into it (繁體中文由轉換產生，不接受翻譯匯入)."""

import pytest
from lxml import etree

from cms.admin.xliff import language_pairs
from cms.models import PendingTranslation, Story
from cms.translation import roundtrip
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


def test_an_xliff_file_into_traditional_chinese_is_refused():
    story = make_story("pair")
    data, _skipped = roundtrip.export(Story.objects.filter(pk=story.pk), "en", "zh-hans")
    root = etree.fromstring(data)
    root.set("trgLang", "zh-Hant")
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with pytest.raises(roundtrip.ImportRefused) as raised:
        roundtrip.import_xliff(data, make_user("tr", "Translator", languages=["zh-hant"]))
    (message,) = dict(raised.value.problems).values()
    assert "converted automatically from another language" in message
    assert not PendingTranslation.objects.exists()


def test_the_admin_offers_no_direction_into_a_derived_language():
    targets = {value.split(":")[1] for value, _label in language_pairs()}
    sources = {value.split(":")[0] for value, _label in language_pairs()}
    assert targets == {"en", "zh-hans"} and "zh-hant" in sources
