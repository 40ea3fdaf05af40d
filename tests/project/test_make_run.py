"""`make run` points the API's image addresses and the publisher's logo at the server it
starts: with another `PORT` (or `HOST`), they are not looked for on port 8000."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def addresses_seen_by_make_run(tmp_path, **variables):
    """What `make run` hands its commands as CMS_MEDIA_URL (its Python stood in for)."""
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "media=$CMS_MEDIA_URL"\necho "logo=$CMS_PUBLISHER_LOGO_URL"\n')
    fake.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()  # Newer than pyproject.toml: `setup` has nothing to do.
    env = {key: value for key, value in os.environ.items() if key != "CMS_MEDIA_URL"}
    env.update(variables.pop("env", {}))
    arguments = [f"{name}={value}" for name, value in variables.items()]
    done = subprocess.run(
        ["make", "--no-print-directory", "run", f"PY={fake}", f"STAMP={stamp}", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return {line for line in done.stdout.splitlines() if line.startswith(("media=", "logo="))}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_derives_media_addresses_from_host_and_port(tmp_path):
    assert addresses_seen_by_make_run(tmp_path, PORT="18811") == {
        "media=http://127.0.0.1:18811/media/",
        "logo=http://127.0.0.1:18811/static/api/logo.png",
    }
    assert addresses_seen_by_make_run(tmp_path, HOST="localhost", PORT="9000") == {
        "media=http://localhost:9000/media/",
        "logo=http://localhost:9000/static/api/logo.png",
    }
    # A media address set by hand (a CDN) is kept.
    assert addresses_seen_by_make_run(
        tmp_path, PORT="18811", env={"CMS_MEDIA_URL": "https://cdn.example.com/"}
    ) == {"media=https://cdn.example.com/", "logo=http://127.0.0.1:18811/static/api/logo.png"}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_publishes_traditional_chinese_derived_from_the_chinese_desk(tmp_path):
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "languages=$CMS_LANGUAGES"\n')
    fake.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()
    env = {key: value for key, value in os.environ.items() if key != "CMS_LANGUAGES"}
    done = subprocess.run(
        ["make", "--no-print-directory", "run", f"PY={fake}", f"STAMP={stamp}", "PORT=18812"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "languages=en,zh-hans,zh-hant" in done.stdout.splitlines()
