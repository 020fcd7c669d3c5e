"""The benchmark's measuring helpers, without a stack."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.__main__ import parse_args
from bench.measure import cpu_seconds, median, memory, percentile, sqlite_bytes
from bench.profile import summarize


def test_percentiles_interpolate() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0
    assert median([3.0, 1.0, 2.0]) == 2.0


def test_process_figures_come_from_proc() -> None:
    mine = memory(os.getpid())
    assert 0 < mine.rss_kb <= mine.hwm_kb
    assert cpu_seconds(os.getpid()) > 0
    assert memory(2**22 + 7).rss_kb == 0  # no such process: zeros, not an exception


def test_database_size_counts_the_write_ahead_log(tmp_path: Path) -> None:
    db = tmp_path / "temporal.db"
    db.write_bytes(b"x" * 100)
    (tmp_path / "temporal.db-wal").write_bytes(b"y" * 50)
    assert sqlite_bytes(db) == 150
    assert sqlite_bytes(tmp_path / "missing.db") == 0


def test_profile_summary_attributes_samples(tmp_path: Path) -> None:
    root = "/srv/momoflow"
    site = "/venv/lib/python3.11/site-packages"
    raw = tmp_path / "profile.txt"
    raw.write_text(
        f"main ({root}/worker.py:10);run ({site}/temporalio/worker/_workflow.py:5);imp ({site}/temporalio/worker/workflow_sandbox/_importer.py:3) 6\n"
        f"main ({root}/worker.py:10);submit ({root}/activities/collection.py:40);send ({site}/httpx/_client.py:1) 3\n"
        f"main ({root}/worker.py:10);log ({root}/momoflow/masking.py:80) 1\n"
    )
    summary = summarize(raw, project_root=root)
    assert summary["samples"] == 10
    assert summary["self_pct_by_package"]["temporalio"] == 60.0
    assert summary["project_self_pct"] == 10.0
    assert summary["inclusive_pct_by_group"]["httpx / httpcore"] == 30.0
    assert summary["inclusive_pct_by_project_function"]["worker.py:main"] == 100.0


def test_defaults_match_the_issue() -> None:
    config = parse_args([])
    assert (config.n, config.rounds, config.pending) == (500, 3, 0)
    assert parse_args(["--pending", "10000"]).pending == 10000
    with pytest.raises(SystemExit):
        parse_args(["--n", "0"])
