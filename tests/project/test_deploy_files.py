"""The deployment files: the VCL compiles (tests/project/test_docs.py checks the docs link it)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
VCL = BASE / "deploy" / "varnish" / "default.vcl"


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
