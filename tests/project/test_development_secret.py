"""No published secrets in development: the key is this checkout's own, kept in var/."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def environment(var_dir, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    return {
        **env,
        "DJANGO_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "api.settings",
        **extra,
    }


def secret_key(var_dir):
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PRINT_KEY}"],
        cwd=BASE, env=environment(var_dir, DJANGO_DEBUG="1"), capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip


def test_debug_without_a_secret_generates_one_per_checkout_and_keeps_it_private(tmp_path):
    first = secret_key(tmp_path / "one")
    assert len(first) >= 50
    assert secret_key(tmp_path / "one") == first
    assert secret_key(tmp_path / "two") != first
    kept = tmp_path / "one" / "secret-key.txt"
    assert kept.read_text().strip() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_kept_key_readable_by_others_is_made_private(tmp_path):
    (tmp_path / "secret-key.txt").write_text("kept-key-of-this-checkout\n")
    (tmp_path / "secret-key.txt").chmod(0o644)
    assert secret_key(tmp_path) == "kept-key-of-this-checkout"
    assert stat.S_IMODE((tmp_path / "secret-key.txt").stat().st_mode) == 0o600


def test_no_secret_key_is_written_in_the_settings():
    source = (BASE / "api" / "settings.py").read_text()
    assert 'SECRET_KEY = "' not in source and "SECRET_KEY = '" not in source


def test_readme_commands_work_after_make_run_without_setting_variables(tmp_path):
    # What `make run` leaves behind: the development key in var/ (and its database there).
    secret_key(tmp_path)
    env = environment(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=BASE, env=env, check=True)
    lines = tmp_path / "stories.jsonl"
    lines.write_text(
        json.dumps({"external_id": "one", "translations": {"en": {"title": "One"}}}) + "\n"
    )
    result = subprocess.run(
        [*manage, "import_stories", str(lines), "-v0"],
        cwd=BASE, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 created, 0 updated, 0 refused."
    assert (tmp_path / "db.sqlite3").exists()
