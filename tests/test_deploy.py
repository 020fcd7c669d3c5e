"""docker-compose.yml and its scripts: valid, and in step with the code.

Docker does not run here, so the file is checked against the Compose
specification offline and cross-checked with the settings and search
attributes the code expects.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from momoflow import search_attributes
from momoflow.metrics.server import MetricsSettings
from momoflow.settings import CallbackSettings, CodecSettings, MomoSettings, PaymentDefaults, TemporalSettings
from worker import ShutdownSettings, WorkerConfigError, _shutdown_grace

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_follows_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _known_env_names() -> set[str]:
    names: set[str] = set()
    for settings in (
        TemporalSettings, MomoSettings, CallbackSettings, CodecSettings, PaymentDefaults, MetricsSettings, ShutdownSettings,
    ):  # fmt: skip
        prefix = settings.model_config.get("env_prefix", "")
        for name, field in settings.model_fields.items():
            names.add(str(field.validation_alias or f"{prefix}{name}").upper())
    return names | {"LOG_LEVEL", "MOMOFLOW_DATA_DIR"}  # MOMOFLOW_DATA_DIR: python -m devstack --data-dir


def test_every_momoflow_variable_in_compose_is_a_real_setting() -> None:
    text = COMPOSE.read_text()
    used = set(re.findall(r"^\s+((?:TEMPORAL|MOMO|CALLBACK|METRICS)_[A-Z_]+):", text, flags=re.M))
    read_by_temporal_images = {"TEMPORAL_CORS_ORIGINS", "TEMPORAL_CODEC_ENDPOINT"}
    unknown = used - _known_env_names() - read_by_temporal_images
    assert not unknown, f"compose sets variables no setting reads: {sorted(unknown)}"


def test_compose_registers_the_search_attributes_the_workflows_set() -> None:
    script = (ROOT / "deploy/temporal/init-namespace.sh").read_text()
    for key in search_attributes.ALL:
        assert key.name in script


def _packages() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return list(tomllib.load(file)["tool"]["setuptools"]["packages"])


@pytest.mark.parametrize("package", _packages())
def test_image_contains_every_package(package: str) -> None:
    # `pip install .` in the image fails if a listed package was not copied in (a subpackage comes with its parent).
    top = package.split(".")[0]
    assert f"COPY {top} {top}" in (ROOT / "Dockerfile").read_text()


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))
    missing = _known_env_names() - documented
    assert not missing, f".env.example does not document: {sorted(missing)}"


def test_shutdown_grace_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKER_SHUTDOWN_GRACE_S", "2.5")
    assert _shutdown_grace().total_seconds() == 2.5


@pytest.mark.parametrize("value", ["ten", "-1"])
def test_a_bad_shutdown_grace_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("WORKER_SHUTDOWN_GRACE_S", value)
    with pytest.raises(WorkerConfigError, match="^WORKER_SHUTDOWN_GRACE_S: "):
        _shutdown_grace()
