"""The site with Traditional Chinese (CMS_LANGUAGES=en,zh-hans,zh-hant, as `make run`
serves it) derives zh-hant from zh-hans, keeps editors' overrides, and answers the contract
documents, feeds, sitemaps, search and the admin in it: the modules of tests/traditional/,
run in their own process with that setting (the suite's site publishes two languages).
Settings alone turn it on, and a derivation settings cannot serve stops the start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from api.languages import derived_from, opencc_conversions

BASE = Path(settings.BASE_DIR)
MODULES = (
    "derivation.py",
    "admin_tab.py",
    "reader_outputs.py",
    "ingestion.py",
    "translation.py",
)


def test_the_site_with_traditional_chinese_passes_its_tests(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "CMS_LANGUAGES": "en,zh-hans,zh-hant",
        "DJANGO_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
    }
    env.pop("CMS_DERIVED_LANGUAGES", None)
    env.pop("CMS_LANGUAGE_FALLBACKS", None)
    folder = BASE / "tests" / "traditional"
    modules = [str(folder / name) for name in MODULES if (folder / name).exists()]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser",
         *modules],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


@pytest.mark.browser
def test_the_traditional_tab_works_in_the_browser_in_both_ui_languages(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "CMS_LANGUAGES": "en,zh-hans,zh-hant",
        "DJANGO_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "browser",
         str(BASE / "tests" / "traditional" / "admin_browser.py")],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_traditional_chinese_is_derived_with_taiwan_phrasing_unless_settings_say_otherwise():
    codes = ["en", "zh-hans", "zh-hant"]
    conversions = opencc_conversions()
    assert derived_from("zh-hant:zh-hans:s2twp", codes, conversions) == {
        "zh-hant": ("zh-hans", "s2twp")
    }
    assert derived_from(" ZH-HANT : zh-hans : s2hk ", codes, conversions) == {
        "zh-hant": ("zh-hans", "s2hk")
    }
    assert derived_from("", codes, conversions) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zh-hant:zh-hans", "is not `language:source:conversion`"),
        ("zh-hant:zh-hans:s2klingon", "OpenCC has no conversion 's2klingon'"),
        ("ja:zh-hans:s2twp", "must derive one language of CMS_LANGUAGES"),
        ("zh-hant:zh-hant:s2twp", "must derive one language of CMS_LANGUAGES"),
        ("zh-hant:zh-hans:s2twp;zh-hant:zh-hans:s2hk", "derives zh-hant twice"),
        ("zh-hant:zh-hans:s2twp;en:zh-hant:t2s", "would be derived from a derived language"),
    ],
)
def test_a_derivation_settings_cannot_serve_stops_the_start(text, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        derived_from(text, ["en", "zh-hans", "zh-hant"], opencc_conversions())


def test_the_suites_site_derives_nothing_without_traditional_chinese():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "zh-hans"]
    assert settings.CMS_DERIVED_LANGUAGES == {}
