"""The sandbox's public entry points, which devstack, the conformance suite and the tests rely on.

Its inner layout may move; these names and the packaging of every sub-package may not.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import httpx

import sandbox
from sandbox import SandboxSettings, create_app

ROOT = Path(__file__).resolve().parents[2]


def test_create_app_and_settings_are_exported_from_the_package():
    from sandbox.app import create_app as app_create_app
    from sandbox.settings import SandboxSettings as settings_class

    assert sorted(sandbox.__all__) == ["SandboxSettings", "create_app"]
    assert create_app is app_create_app and SandboxSettings is settings_class


async def test_an_embedded_sandbox_answers_over_asgi():
    app = create_app(SandboxSettings(approval_delay_s=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
        assert (await http.get("/sandbox/health")).json() == {"status": "ok"}
    await app.state.sandbox.aclose()


def test_python_dash_m_sandbox_is_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout


def test_every_sandbox_sub_package_is_packaged():
    # `pip install .` ships only the packages pyproject lists; an unlisted sub-package would be missing from the image.
    with (ROOT / "pyproject.toml").open("rb") as file:
        listed = set(tomllib.load(file)["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "sandbox").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set()
