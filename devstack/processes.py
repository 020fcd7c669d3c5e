"""Child processes with log files, readiness checks and a clean stop."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Ports handed out by this process: a port is free until its process binds it, seconds later.
_handed_out: set[int] = set()
# Not the random module's shared state, which tests may seed.
_pick = random.SystemRandom()
_LOWEST_PORT = 10000


def _ephemeral_low() -> int:
    """The lowest port Linux picks for ``bind(0)`` and outgoing connections (0 when unknown)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on, from below the kernel's ephemeral range when there is room.

    A port the kernel hands out for ``bind(0)`` comes from the range it also takes outgoing
    connections' source ports from, so in the seconds before a process binds it, a connection of
    this or another stack (e.g. a second test process) can take it: "address already in use".
    """
    low = _ephemeral_low()
    if low - _LOWEST_PORT >= 2000:
        for _ in range(100):
            port = _pick.randrange(_LOWEST_PORT, low)
            if port not in _handed_out and _bindable(host, port):
                _handed_out.add(port)
                return port
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
