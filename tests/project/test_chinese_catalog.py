"""The Chinese catalog writes Chinese text with full-width punctuation (，：；（）), as
Chinese readers expect; half-width marks stay in code, addresses and numbers."""

import re
from pathlib import Path

from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u201c\u201d"
HALF_WIDTH_BESIDE_CHINESE = re.compile(
    rf"[{CJK}]\s*[,:;]|[,:;]\s*[{CJK}]|[{CJK}]\((?!\w+\)[sdr])|(?<!%)\([^()]*[{CJK}][^()]*\)"
)
# The seed page's disclaimer, which the reader site shows as the seed writes it.
SEED_DISCLAIMER = "免责声明:以上内容由 AI 生成,仅供参考。"


def translations():
    """Each msgstr of the catalog, its continuation lines joined."""
    text = CATALOG.read_text(encoding="utf-8")
    for block in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', text, re.M):
        yield "".join(re.findall(r'"(.*)"', block))


def test_chinese_text_in_the_catalog_uses_full_width_punctuation():
    found = [
        value
        for value in translations()
        if value != SEED_DISCLAIMER and HALF_WIDTH_BESIDE_CHINESE.search(value)
    ]
    assert found == []


def test_the_check_finds_half_width_marks_beside_chinese():
    for bad in ("来源:%(name)s", "请稍后再试,谢谢。", "配额;请", "操作(或没有)", "数(x)"):
        assert HALF_WIDTH_BESIDE_CHINESE.search(bad), bad
    for good in (
        "来源：%(name)s",
        "语言%(code)s，",
        "2026-01-31T08:00:00Z",
        "https://x",
        "%(a)s, %(b)s",
    ):
        assert not HALF_WIDTH_BESIDE_CHINESE.search(good), good


TRADITIONAL = Path(settings.BASE_DIR) / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"


def test_the_traditional_catalog_is_the_simplified_one_converted_as_committed():
    from django.core.management import call_command

    call_command("derive_catalog", "--check")


def test_the_traditional_catalog_translates_the_admin_in_traditional_characters():
    from django.utils import translation

    from cms.core import chinese

    text = TRADITIONAL.read_text(encoding="utf-8")
    assert "Language: zh_Hant" in text
    values = re.findall(r'^msgstr "(.+)"$', text, re.M)
    assert len(values) > 500
    simplified = re.findall(r'^msgstr "(.+)"$', CATALOG.read_text(encoding="utf-8"), re.M)
    assert sum(chinese.looks_traditional(value) for value in values) > len(values) // 2
    assert not any(chinese.looks_traditional(value) for value in simplified)
    with translation.override("zh-hant"):
        assert translation.gettext("Traditional Chinese") == "繁體中文"
        # Django's own zh_Hant catalog answers for Django's texts.
        assert translation.gettext("Log out") == "登出"
