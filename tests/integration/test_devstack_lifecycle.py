"""``python -m devstack`` (make run) starts and stops like a service: Ctrl-C, SIGHUP, SIGTERM and ``stop``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.processes import port_open

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
NEVER_ANSWERS = "46733123453"
STOPS_WITHIN_S = 8.0


class Running:
    def __init__(self, process: subprocess.Popen[bytes], data_dir: Path, output: Path) -> None:
        self.process, self.data_dir, self.output = process, data_dir, output

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, marker: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.text():
            assert self.process.poll() is None, f"devstack exited:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {marker!r} in:\n{self.text()}"
            time.sleep(0.1)

    def recorded(self) -> dict[str, Any]:
        return dict(json.loads((self.data_dir / "devstack.pid").read_text()))


@pytest.fixture
def devstack(tmp_path: Path) -> Iterator[Any]:
    started: list[Running] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Running:
        output = tmp_path / f"devstack-{len(started)}.out"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "--ephemeral-ports", "--data-dir", str(tmp_path / "data"), *args],
            cwd=REPO_ROOT, env={**environment, **(env or {})}, stdout=output.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        running = Running(process, tmp_path / "data", output)
        started.append(running)
        return running

    yield start
    for running in started:  # whatever a failed test left behind
        if running.process.poll() is None:
            running.process.kill()
        try:
            for child in running.recorded()["children"]:
                os.killpg(child["pid"], signal.SIGKILL)
        except (OSError, KeyError, ValueError):
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours (the supervisor, until waited for) counts as gone.
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return True


def assert_all_stopped(recorded: dict[str, Any]) -> None:
    deadline = time.monotonic() + 2
    pids = [recorded["pid"], *(child["pid"] for child in recorded["children"])]
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in pids if _alive(pid)] == []
    ports = [port for port in recorded["ports"].values() if port]
    assert [port for port in ports if port_open("127.0.0.1", port)] == []


def _stop_by_signal(running: Running, sig: signal.Signals) -> float:
    recorded = running.recorded()
    assert len(recorded["children"]) == 4  # temporal, sandbox, gateway, worker
    began = time.monotonic()
    running.process.send_signal(sig)
    running.process.wait(timeout=30)
    took = time.monotonic() - began
    assert_all_stopped(recorded)
    assert not (running.data_dir / "devstack.pid").exists()
    return took


def test_ctrl_c_during_a_pending_demo_payment_stops_everything(devstack: Any) -> None:
    running = devstack("--payer", NEVER_ANSWERS)
    running.wait_for("PENDING")  # the demo payment waits for a payer who never answers
    assert _stop_by_signal(running, signal.SIGINT) < STOPS_WITHIN_S
    assert running.process.returncode == 0
    assert "Traceback" not in running.text()


def test_sighup_stops_everything(devstack: Any) -> None:
    running = devstack("--no-demo")
    running.wait_for("Press Ctrl-C")
    assert _stop_by_signal(running, signal.SIGHUP) < STOPS_WITHIN_S


def test_stop_ends_a_stack_left_running_and_sandbox_settings_reach_the_sandbox(devstack: Any) -> None:
    preset = "preset-user:preset-key:127.0.0.1:collection"
    running = devstack("--no-demo", env={"SANDBOX_PRESET_API_USERS": preset})
    running.wait_for("Press Ctrl-C")
    recorded = running.recorded()
    sandbox = f"http://127.0.0.1:{recorded['ports']['sandbox']}"
    token = httpx.post(
        f"{sandbox}/collection/token/",
        auth=("preset-user", "preset-key"),
        headers={"Ocp-Apim-Subscription-Key": "sandbox-collection-key"},
    )
    assert token.status_code == 200, token.text  # the SANDBOX_* setting of the caller's shell arrived

    stop = subprocess.run(
        [sys.executable, "-m", "devstack", "stop", "--data-dir", str(running.data_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert stop.returncode == 0, stop.stdout + stop.stderr
    running.process.wait(timeout=10)
    assert_all_stopped(recorded)


def test_stop_ends_the_children_of_a_killed_supervisor(devstack: Any) -> None:
    running = devstack("--no-demo")
    running.wait_for("Press Ctrl-C")
    recorded = running.recorded()
    running.process.kill()  # as if the supervisor crashed: its children run on
    running.process.wait()
    assert all(_alive(child["pid"]) for child in recorded["children"])
    stop = subprocess.run(
        [sys.executable, "-m", "devstack", "stop", "--data-dir", str(running.data_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert_all_stopped(recorded)
    again = subprocess.run(
        [sys.executable, "-m", "devstack", "stop", "--data-dir", str(running.data_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0 and "No stack" in again.stdout
