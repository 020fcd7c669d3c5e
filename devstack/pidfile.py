"""``data/devstack.pid``: which processes a running ``make run`` owns, so ``make stop`` can end them.

The file names the supervisor and each child (pid, process group, command
line). Stopping asks the supervisor first (SIGTERM: it stops its children
itself); children whose supervisor died are stopped directly. A pid is only
signalled while its command line still matches, so a reused pid is left alone.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstack.stack import Stack

NAME = "devstack.pid"


def _cmdline(pid: int) -> str | None:
    """The process's command line, or None if it is gone ("" where /proc is not available)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:
        if "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text():
            return None  # exited, only not yet reaped by its parent
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _same(entry: dict[str, Any]) -> bool:
    """Still the process the file names (not a new one under a reused pid)?"""
    line = _cmdline(int(entry["pid"]))
    return line is not None and (line == "" or line.startswith(entry["cmdline"][:200]))


class PidFile:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / NAME

    def write(self, stack: Stack) -> None:
        config = stack.config
        children = [
            {"name": p.name, "pid": p.pid, "cmdline": " ".join(p.argv)}
            for p in stack.processes()
            if p.process is not None
        ]
        body = {
            "pid": os.getpid(),
            "cmdline": _cmdline(os.getpid()) or "",
            "ports": {
                "temporal": config.temporal_port,
                "ui": config.ui_port,
                "sandbox": config.sandbox_port,
                "gateway": config.gateway_port,
                "codec": config.codec_port,
            },
            "children": children,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(body, indent=2))
        temporary.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def _wait_gone(entries: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    alive = [e for e in entries if _same(e)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [e for e in alive if _same(e)]
    return alive


def _signal_group(entry: dict[str, Any], sig: signal.Signals) -> None:
    try:
        os.killpg(int(entry["pid"]), sig)  # children lead their own process group
    except (ProcessLookupError, PermissionError):
        pass


def stop_recorded(data_dir: Path, grace: float = 15.0) -> int:
    """``python -m devstack stop``: 0 when nothing of the recorded stack is left running."""
    path = data_dir / NAME
    try:
        body = json.loads(path.read_text())
    except FileNotFoundError:
        print(f"No stack is recorded as running ({path} does not exist).")
        return 0
    except ValueError:
        print(f"error: {path} is not a devstack pid file; remove it if no stack is running", file=sys.stderr)
        return 1
    supervisor = {"pid": body["pid"], "cmdline": body.get("cmdline", "")}
    children: list[dict[str, Any]] = body.get("children", [])
    if _same(supervisor):
        print(f"Stopping the stack (pid {supervisor['pid']})…", flush=True)
        os.kill(int(supervisor["pid"]), signal.SIGTERM)
        _wait_gone([supervisor], grace)
    left = [entry for entry in children if _same(entry)]
    for entry in left:  # the supervisor is gone (or did not finish): stop its children directly
        _signal_group(entry, signal.SIGTERM)
    for entry in _wait_gone(left, grace):
        _signal_group(entry, signal.SIGKILL)
    still = _wait_gone(children + [supervisor], 2.0)
    if still:
        names = ", ".join(f"{e.get('name', 'devstack')} (pid {e['pid']})" for e in still)
        print(f"error: still running: {names}", file=sys.stderr)
        return 1
    path.unlink(missing_ok=True)
    print("Stopped.")
    return 0
