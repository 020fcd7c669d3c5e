"""Small measurements: process memory and CPU from /proc, file sizes, percentiles."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Memory:
    rss_kb: int  # VmRSS: resident now
    hwm_kb: int  # VmHWM: the peak resident size so far


def memory(pid: int) -> Memory:
    """The resident size of ``pid`` from /proc/<pid>/status (zeros if unreadable)."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return Memory(rss_kb=fields.get("VmRSS", 0), hwm_kb=fields.get("VmHWM", 0))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used, from /proc/<pid>/stat (0.0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
        # The command name may contain spaces and parentheses: split after its closing one.
        fields = text[text.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    except (OSError, ValueError, IndexError):
        return 0.0


def sqlite_bytes(db: Path) -> int:
    """The database file plus its write-ahead log."""
    total = 0
    for path in (db, db.with_name(db.name + "-wal")):
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def machine() -> dict[str, object]:
    try:
        import temporalio

        temporal_sdk = temporalio.__version__
    except (ImportError, AttributeError):
        temporal_sdk = "?"
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "temporalio": temporal_sdk,
    }
