"""The shipped alert rules and compose's Prometheus config, checked and unit-tested by promtool."""

from __future__ import annotations

import subprocess

import pytest

from tests.prometheus_tools import ROOT, prometheus_tools

PROMETHEUS_DIR = ROOT / "deploy/prometheus"


@pytest.mark.parametrize(
    "argv",
    [["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"], ["check", "config", "prometheus.yml"]],
    ids=["check-rules", "rule-unit-tests", "check-compose-config"],
)
def test_promtool(argv: list[str]) -> None:
    _, promtool = prometheus_tools()
    result = subprocess.run([promtool, *argv], capture_output=True, text=True, timeout=60, cwd=PROMETHEUS_DIR)
    assert result.returncode == 0, f"promtool {' '.join(argv)}:\n{result.stdout}{result.stderr}"
