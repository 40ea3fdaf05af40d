"""OpenCC's own test cases pass through our conversion function, and the function keeps
the shape of list fields and the non-Chinese parts of Markdown; script detection tells
Traditional text from Simplified (简体与繁體)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from cms.core import chinese

CASES = Path(settings.BASE_DIR) / "vendor" / "opencc-testcases" / "testcases.json"


def _cases():
    # OpenCC's file allows trailing commas; JSON does not.
    data = json.loads(re.sub(r",(\s*[}\]])", r"\1", CASES.read_text(encoding="utf-8")))
    return [
        pytest.param(case["input"], conversion, expected, id=f"{case['id']}-{conversion}")
        for case in data["cases"]
        for conversion, expected in case["expected"].items()
    ]


@pytest.mark.parametrize(("text", "conversion", "expected"), _cases())
def test_opencc_test_cases_pass_through_our_conversion(text, conversion, expected):
    assert chinese.convert(text, conversion) == expected


def test_the_vendored_cases_cover_the_conversions_a_site_may_derive_with():
    conversions = {param.values[1] for param in _cases()}
    assert {"s2twp", "s2tw", "s2hk", "s2t", "t2s"} <= conversions
    assert len(_cases()) > 500


def test_taiwan_phrasing_converts_vocabulary_not_only_characters():
    assert chinese.convert("鼠标和软件", "s2twp") == "滑鼠和軟體"
    assert chinese.convert("鼠标和软件", "s2t") == "鼠標和軟件"


def test_list_fields_convert_row_by_row_keeping_their_shape():
    rows = [
        {"entity": "英伟达", "detail": "数据中心", "metric": 42},
        {"entity": "", "metric": None},
    ]
    assert chinese.convert_value(rows, "s2twp") == [
        {"entity": "輝達", "detail": "資料中心", "metric": 42},
        {"entity": "", "metric": None},
    ]
    assert chinese.convert_value(["发布", "软件"], "s2twp") == ["釋出", "軟體"]


def test_markdown_links_and_image_markers_come_through_unchanged():
    text = "见[报告](https://example.com/软件?q=1)\n\n![[image:12]]\n\n**数据**"
    converted = chinese.convert(text, "s2tw")
    assert "(https://example.com/" in converted and "![[image:12]]" in converted
    assert "**數據**" in converted


@pytest.mark.parametrize(
    ("text", "traditional"),
    [
        ("臺灣的軟體發展", True),
        ("台湾的软件发展", False),
        ("Chips and GPUs", False),
        ("", False),
        ("人工智能", False),
    ],
)
def test_traditional_text_is_told_from_simplified_by_round_trip(text, traditional):
    assert chinese.looks_traditional(text) is traditional
