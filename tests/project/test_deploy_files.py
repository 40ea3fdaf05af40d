"""The deployment files: the VCL the README shows is the one Varnish runs, and it compiles."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
VCL = BASE / "deploy" / "varnish" / "default.vcl"


def test_the_readme_shows_the_vcl_that_make_cluster_runs():
    readme = (BASE / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"```vcl\n(.*?)```", readme, re.S).group(1)
    assert shown == VCL.read_text(encoding="utf-8")


def xkey_installed():
    """Whether varnish-modules' xkey, which the VCL imports, is there to compile against."""
    return any(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))


@pytest.mark.skipif(shutil.which("varnishd") is None, reason="varnish is not installed")
@pytest.mark.skipif(not xkey_installed(), reason="varnish-modules (xkey) is not installed")
def test_the_vcl_compiles(tmp_path):
    result = subprocess.run(
        ["varnishd", "-C", "-f", str(VCL), "-n", str(tmp_path / "varnish")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
