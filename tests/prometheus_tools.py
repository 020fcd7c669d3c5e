"""Finding Debian's prometheus and promtool for the tests, installing them through the Makefile when missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def prometheus_tools() -> tuple[str, str]:
    """(prometheus, promtool); skips the test only when `make system-packages` cannot install them."""
    if not (shutil.which("prometheus") and shutil.which("promtool")) and shutil.which("make"):
        subprocess.run(
            ["make", "-s", "-C", str(ROOT), "system-packages"], capture_output=True, timeout=600, check=False
        )
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if not (prometheus and promtool):
        pytest.skip(
            "Prometheus is not installed and `make system-packages` could not install it (needs apt-get as root)"
        )
    return prometheus, promtool
