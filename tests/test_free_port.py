"""devstack's free ports: outside the range the kernel takes outgoing connections' ports from."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devstack.processes import free_port

RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def test_free_ports_are_bindable_distinct_and_below_the_ephemeral_range() -> None:
    if not RANGE.exists():
        pytest.skip("no Linux ephemeral port range to stay out of")
    low = int(RANGE.read_text().split()[0])
    if low < 12000:
        pytest.skip(f"the ephemeral range starts at {low}: no room below it")
    ports = [free_port() for _ in range(200)]
    # A port in the ephemeral range may become an outgoing connection's source port before its
    # process binds it ("address already in use", seen with two stacks starting side by side).
    assert [port for port in ports if port >= low] == []
    assert len(set(ports)) == len(ports)  # handed out once, even before anything binds them
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
