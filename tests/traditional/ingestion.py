"""Ingestion on the site with Traditional Chinese: the pipeline sends Simplified text and
the Traditional version is converted from it; a Traditional version sent by itself is
refused, naming the language to send (繁體版本由简体版本轉換，不接受直接匯入)."""

import pytest

from cms.ingest.pipeline import IngestError, upsert
from cms.models import Story, StoryTranslation

pytestmark = pytest.mark.django_db

SIMPLIFIED = {"title": "芯片短缺", "summary": "软件", "tldr": ["要点"], "analysis": "分析。"}


def test_an_ingested_simplified_version_brings_its_traditional_conversion():
    story, _created = upsert({"external_id": "x-1", "translations": {"zh-hans": SIMPLIFIED}})
    hant = StoryTranslation.objects.get(master=story, language_code="zh-hant")
    assert (hant.title, hant.summary, hant.derived_from) == ("晶片短缺", "軟體", "zh-hans")


def test_a_traditional_version_sent_by_the_pipeline_is_refused():
    with pytest.raises(IngestError) as raised:
        upsert({"external_id": "x-2", "translations": {"zh-hant": SIMPLIFIED}})
    [(field, message)] = raised.value.errors
    assert field == "translations.zh-hant"
    assert "converted automatically from the Simplified Chinese version" in message
    assert not Story.objects.exists()
