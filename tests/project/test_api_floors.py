"""The api floors contract (pyproject.toml, `lint-imports`): kept by the code, and broken
by an import that reaches up a floor or closes a circle."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root):
    """`lint-imports` with the project's contracts, over the packages found in `root`."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def copy_of_the_code(tmp_path):
    """The Python modules of `api` and `cms`, copied where a test may break them."""
    for package in ("api", "cms"):
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=lambda folder, names: [
                name
                for name in names
                if not name.endswith(".py") and not (Path(folder) / name).is_dir()
            ],
        )
    return tmp_path


def test_the_code_keeps_the_api_floors():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "api floors KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "contract"),
    [
        # ops at the bottom reaching up to the HTTP layer.
        ("api/ops/probes.py", "from api.graphql_http import persisted", "api floors BROKEN"),
        # The schema reaching up to the HTTP layer for its errors.
        ("api/schema/ids.py", "from api.graphql_http import view", "api floors BROKEN"),
        # The versions reaching up to the response cache: a circle inside caching.
        ("api/caching/versions.py", "from api.caching import responses", "caching floors BROKEN"),
        # Reading a request and persisted queries importing each other.
        (
            "api/graphql_http/persisted.py",
            "from api.graphql_http import request",
            "graphql_http floors BROKEN",
        ),
    ],
)
def test_an_import_reaching_up_a_floor_breaks_the_contract(
    copy_of_the_code, module, upward_import, contract
):
    path = copy_of_the_code / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{upward_import}  # noqa\n")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    assert contract in result.stdout
