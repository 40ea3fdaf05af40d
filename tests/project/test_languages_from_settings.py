"""Languages come from settings: a site built with four (CMS_LANGUAGES) answers the
contract documents, feeds and sitemaps in the fourth with no change of code, and a setting
naming a language Django does not know, or a chain over strangers, stops the start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from api.languages import fallbacks_from, languages_from

BASE = Path(settings.BASE_DIR)


def test_a_site_with_a_fourth_language_in_settings_answers_in_it(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "CMS_LANGUAGES": "en,zh-hans,zh-hant,ja",
        "CMS_LANGUAGE_FALLBACKS": "zh-hant:zh-hans,en;ja:zh-hans,en",
        "DJANGO_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/project/site_in_four_languages.py"],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([], "CMS_LANGUAGES names no language."),
        (["en", "EN"], "CMS_LANGUAGES names en twice."),
        (["en", "klingon"], "Django knows no language klingon"),
    ],
)
def test_a_language_list_that_cannot_be_served_stops_the_start(codes, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        languages_from(codes, {})


@pytest.mark.parametrize("text", ["ja", "ja:", "ja:fr", "ja:ja,en", "fr:en"])
def test_a_fallback_chain_over_strangers_stops_the_start(text):
    with pytest.raises(ImproperlyConfigured, match="CMS_LANGUAGE_FALLBACKS"):
        fallbacks_from(text, ["en", "zh-hans", "ja"])


def test_chains_are_read_in_order():
    assert fallbacks_from(" zh-hant: zh-hans , en ; ja:en", ["en", "zh-hans", "zh-hant", "ja"]) == {
        "zh-hant": ["zh-hans", "en"],
        "ja": ["en"],
    }
