"""Scaling mode: the backlog run at several sizes, each on a fresh stack, as one table.

Each size is one ordinary backlog run (bench/backlog.py) with its own server, database and
worker, so the memory and database figures belong to that size alone. The long observation
of the backlog's polling turn is skipped: confirmation latency, memory and database size do
not need it, so the gaps between checks are not reported here.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from bench.measure import machine
from bench.runner import BenchConfig, run_bench, say

# Table columns: (title, row key); the p50/p99 pair shares one column.
COLUMNS = (
    ("pending payments", "backlog_size"),
    ("confirm p50 / p99 (s)", "confirm"),
    ("worker RSS (MB)", "worker_rss_mb"),
    ("worker KB per pending", "worker_kb_per_pending"),
    ("database (MB)", "db_mb"),
    ("database KB per pending", "db_kb_per_pending"),
    ("status GETs/s, max over 1 s", "status_gets_per_s_max"),
    ("run (s)", "duration_s"),
)


def parse_sizes(text: str) -> list[int]:
    """``"1000,5000,10000"`` -> ``[1000, 5000, 10000]``; sizes must be positive and increasing."""
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(f"--backlog-sizes: {text!r} is not a comma-separated list of whole numbers") from exc
    if not sizes or any(size < 1 for size in sizes) or sizes != sorted(set(sizes)):
        raise ValueError(f"--backlog-sizes: {text!r} must list distinct positive sizes in increasing order")
    return sizes


def row(result: dict[str, Any], duration_s: float) -> dict[str, Any]:
    """The figures of one size, from that size's backlog result."""
    return {
        "backlog_size": result["backlog_size"],
        "backlog_requested": result["backlog_requested"],
        "confirm_p50_s": result["backlog_confirm_p50_s"],
        "confirm_p99_s": result["backlog_confirm_p99_s"],
        "worker_rss_mb": result["backlog_rss_mb"]["worker"],
        "worker_rss_mb_before": result["backlog_worker_rss_mb_before"],
        "worker_kb_per_pending": result["backlog_worker_kb_per_pending"],
        "server_rss_mb": result["backlog_rss_mb"]["server"],
        "db_mb": result["backlog_db_mb"],
        "db_mb_before": result["backlog_db_mb_before"],
        "db_kb_per_pending": result["backlog_db_kb_per_pending"],
        "status_gets_per_s_max": result["backlog_status_gets_per_s_max"],
        "status_rate_limit": result["backlog_status_rate_limit"],
        "cpu_cores": result["backlog_cpu_cores"],
        "duration_s": round(duration_s, 1),
        "errors": result["backlog_errors"],
    }


async def run_scaling(config: BenchConfig, sizes: list[int]) -> dict[str, Any]:
    """One backlog run per size, smallest first, each on its own stack."""
    rows: list[dict[str, Any]] = []
    for size in sizes:
        say(f"scaling: backlog of {size}")
        sized = dataclasses.replace(
            config,
            backlog=size,
            backlog_observe_s=0.0,
            data_dir=config.data_dir / f"backlog-{size}" if config.data_dir is not None else None,
        )
        began = time.perf_counter()
        result = await run_bench(sized)
        rows.append(row(result, time.perf_counter() - began))
        # A long run's earlier sizes survive a later failure in the log.
        say(f"scaling: {json.dumps(rows[-1])}")
    return {"scaling": rows, "machine": machine(), "errors": sum(len(r["errors"]) for r in rows)}


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table for the README."""

    def cell(r: dict[str, Any], key: str) -> str:
        if key == "confirm":
            return f"{r['confirm_p50_s']:.2f} / {r['confirm_p99_s']:.2f}"
        value = r[key]
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"

    lines = [
        "| " + " | ".join(title for title, _ in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(cell(r, key) for _, key in COLUMNS) + " |" for r in rows),
    ]
    return "\n".join(lines) + "\n"
