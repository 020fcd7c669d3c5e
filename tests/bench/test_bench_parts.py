"""The benchmark's measuring helpers, without a stack."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.__main__ import parse_args
from bench.measure import cpu_seconds, median, memory, percentile, sqlite_bytes
from bench.profile import summarize
from bench.scaling import markdown_table


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


def test_defaults_are_the_documented_ones() -> None:
    config = parse_args([]).config
    assert (config.n, config.rounds, config.pending) == (500, 3, 0)
    assert parse_args(["--pending", "10000"]).config.pending == 10000
    with pytest.raises(SystemExit):
        parse_args(["--n", "0"])


def test_scaling_mode_takes_increasing_sizes_at_the_production_rate(tmp_path: Path) -> None:
    args = parse_args(["--backlog-sizes", "1000,5000,10000", "--plot", str(tmp_path / "scaling.png")])
    assert args.sizes == [1000, 5000, 10000]
    assert args.plot == tmp_path / "scaling.png"
    assert args.config.status_rate == 8.0
    for wrong in (["--backlog-sizes", "5000,1000"], ["--backlog-sizes", "1k"], ["--backlog-sizes", "0,10"]):
        with pytest.raises(SystemExit):
            parse_args(wrong)
    with pytest.raises(SystemExit):  # a figure needs the scaling mode
        parse_args(["--plot", "scaling.png"])
    with pytest.raises(SystemExit):  # the scaling mode skips the observation window
        parse_args(["--backlog-sizes", "10,20", "--backlog-observe", "600"])


def test_scaling_table_has_one_line_per_size() -> None:
    rows = [
        {
            "backlog_size": size,
            "confirm_p50_s": 1.0,
            "confirm_p99_s": 2.5,
            "worker_rss_mb": 120.0,
            "worker_kb_per_pending": 12.5,
            "db_mb": 30.0,
            "db_kb_per_pending": 23.5,
            "status_gets_per_s_max": 9.5,
            "duration_s": 100.0,
        }
        for size in (1000, 10000)
    ]
    lines = markdown_table(rows).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("| pending payments | confirm p50 / p99 (s) | worker RSS (MB) |")
    assert lines[3] == "| 10,000 | 1.00 / 2.50 | 120.0 | 12.5 | 30.0 | 23.5 | 9.5 | 100.0 |"
