"""Child processes with log files, readiness checks and a clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


@dataclass
class ManagedProcess:
    """One child process whose output goes to ``log_path``."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal reaches only the supervisor
        )
        log.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def wait_until(self, check: Check, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            if await check():
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.alive:
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def terminate(self) -> None:
        """SIGTERM to the process group, without waiting: lets several processes stop at once."""
        if self.alive:
            assert self.process is not None
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if the process has not exited after ``grace`` seconds."""
        if not self.alive:
            return
        assert self.process is not None
        self.terminate()
        try:
            self.process.wait(timeout=max(grace, 0.0))
        except subprocess.TimeoutExpired:
            self.kill()


class Check:
    async def __call__(self) -> bool:  # pragma: no cover - protocol
        raise NotImplementedError


class HttpOk(Check):
    def __init__(self, url: str) -> None:
        self.url = url

    async def __call__(self) -> bool:
        try:
            async with httpx.AsyncClient(timeout=1.0) as client:
                return (await client.get(self.url)).status_code == 200
        except httpx.HTTPError:
            return False


class PortOpen(Check):
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def __call__(self) -> bool:
        return port_open(self.host, self.port)
