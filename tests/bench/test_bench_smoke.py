"""``python -m bench`` end to end with tiny numbers: every key is there and the values are sane."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration]

PROJECT_ROOT = Path(__file__).resolve().parents[2]

REQUIRED = {
    "n",
    "rounds",
    "machine",
    "full_payments_per_s",
    "baseline_payments_per_s",
    "floor_payments_per_s",
    "throughput_ratio",
    "floor_throughput_ratio",
    "full_vs_floor_ratio",
    "cpu_over_baseline",
    "full_p50_ms",
    "full_p99_ms",
    "baseline_p50_ms",
    "baseline_p99_ms",
    "posts_per_payment",
    "gets_per_payment",
    "tokens_minted",
    "duplicate_posts",
    "worker_peak_rss_mb",
    "rss_kb_per_pending",
    "db_kb_per_pending",
}


def test_bench_prints_one_complete_json_object() -> None:
    argv = [sys.executable, "-m", "bench", "--n", "10", "--rounds", "1", "--warmup", "3", "--pending", "20"]
    done = subprocess.run(argv, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, done.stdout  # progress goes to stderr, only the result to stdout
    result = json.loads(lines[0])

    assert REQUIRED <= result.keys(), REQUIRED - result.keys()
    assert (result["n"], result["rounds"], result["pending"]) == (10, 1, 20)
    assert {"cpu_count", "python", "platform"} <= result["machine"].keys()

    assert result["errors"] == 0, result["error_samples"]
    assert result["outcomes"] == {"SUCCESSFUL": 10}
    assert result["full_payments_per_s"] > 0
    assert result["baseline_payments_per_s"] > 0
    assert result["throughput_ratio"] > 0
    # The floor: the baseline's shape doing the same MoMo work as the full path, and no more.
    assert result["floor_payments_per_s"] > 0
    assert result["floor_throughput_ratio"] > 0 and result["full_vs_floor_ratio"] > 0
    assert result["floor_posts_per_payment"] == 1
    assert result["floor_gets_per_payment"] == 1
    assert result["floor_callbacks_per_payment"] == 1
    assert set(result["cpu_over_baseline"]) == {"full", "floor"}
    assert result["cpu_ms_per_payment"]["floor"]["sandbox"] > 0
    # What separates the two: the admission's and the baseline patch's markers, and four
    # search-attribute updates (three of momoflow's, one the SDK sends with the patch marker).
    shape = result["history_shape"]
    assert (shape["full"]["markers_median"], shape["full"]["search_attribute_updates_median"]) == (2, 4)
    assert (shape["floor"]["markers_median"], shape["floor"]["search_attribute_updates_median"]) == (0, 0)
    assert 0 < result["full_p50_ms"] <= result["full_p99_ms"]
    assert 0 < result["baseline_p50_ms"] <= result["baseline_p99_ms"]

    assert result["duplicate_posts"] == 0
    assert result["posts_per_payment"] >= 1
    assert result["gets_per_payment"] >= 1
    assert result["tokens_minted"] >= 1
    assert result["worker_peak_rss_mb"] > 0

    events = result["history_events_per_payment"]
    assert set(events) == {"request_to_pay", "transfer", "pre_approval", "invoice"}
    assert all(count > result["baseline_history_events_per_payment"] > 0 for count in events.values())

    assert result["backlog"]["pending_reached"] == 20
    assert math.isfinite(result["rss_kb_per_pending"])
    assert result["db_kb_per_pending"] >= 0


BACKLOG_REQUIRED = {
    "backlog_size",
    "backlog_confirm_p50_s",
    "backlog_confirm_p99_s",
    "backlog_status_gets_per_s_max",
    "backlog_max_check_gap_s",
    "backlog_cpu_cores",
    "backlog_rss_mb",
}


def test_backlog_mode_callback_payments_do_not_queue_behind_polls() -> None:
    # 80 parked payments all make their first check 5 s after submit, then 7.5 s later: at 4
    # checks a second, 15 s or more of polls are queued when the approved payments' callbacks come.
    # (Not 2/s: there even the checks that go first took up to 5.6 s to be served, one every
    # half second at best and, it seems, the rate split between the queue's partitions.)
    rate, backlog = 4, 80
    argv = [
        sys.executable, "-m", "bench", "--backlog", str(backlog), "--status-rate", str(rate),
        "--backlog-payments", "5", "--backlog-waves", "1", "--warmup", "2",
        "--backlog-settle", "8", "--backlog-observe", "30",
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)

    assert BACKLOG_REQUIRED <= result.keys(), BACKLOG_REQUIRED - result.keys()
    assert result["backlog_size"] == backlog
    assert result["errors"] == 0, result["backlog_errors"]
    assert result["backlog_quick_payments"] == 5
    # The callbacks' checks go first: seconds, not the 15-25 s the queued polls take without that.
    assert 0 <= result["backlog_confirm_p50_s"] <= result["backlog_confirm_p99_s"] < 5
    # The server's rate limit holds (the sandbox refuses above MTN's 10 a second).
    assert result["backlog_status_rate_limited"] == 0
    # (the server's token bucket lets short bursts through: over 5 s the rate is close to the limit)
    assert 0 < result["backlog_status_gets_per_s_max_5s"] <= rate * 1.5
    # The backlog is still polled, each payment within its bound.
    assert result["backlog_checked_twice"] > 0
    assert result["backlog_max_check_gap_s"] <= result["backlog_gap_bound_s"]
    assert result["backlog_cpu_cores"]["worker"] > 0
    assert result["backlog_rss_mb"]["server"] > 0


SCALING_ROW = {
    "backlog_size",
    "confirm_p50_s",
    "confirm_p99_s",
    "worker_rss_mb",
    "worker_kb_per_pending",
    "db_mb",
    "db_kb_per_pending",
    "status_gets_per_s_max",
    "duration_s",
}


def test_scaling_mode_runs_each_size_on_its_own_stack_and_draws_the_figure(tmp_path: Path) -> None:
    png = tmp_path / "figures" / "backlog-scaling.png"
    argv = [
        sys.executable, "-m", "bench", "--backlog-sizes", "20,40", "--status-rate", "4", "--plot", str(png),
        "--backlog-payments", "2", "--backlog-waves", "1", "--warmup", "1", "--backlog-settle", "1",
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)

    assert result["errors"] == 0, result["scaling"]
    assert {"cpu_count", "python", "platform"} <= result["machine"].keys()
    rows = result["scaling"]
    assert [row["backlog_size"] for row in rows] == [20, 40]
    for row in rows:
        assert SCALING_ROW <= row.keys(), SCALING_ROW - row.keys()
        assert 0 <= row["confirm_p50_s"] <= row["confirm_p99_s"] < 5
        assert row["worker_rss_mb"] > 0 and math.isfinite(row["worker_kb_per_pending"])
        assert row["db_mb"] > 0 and row["db_kb_per_pending"] > 0  # the parked payments are in the database
        assert row["duration_s"] > 0
    # A fresh stack per size: the second database starts smaller than the first one ended (a
    # shared one never shrinks), and ends larger, holding twice the parked payments.
    assert rows[1]["db_mb_before"] < rows[0]["db_mb"] < rows[1]["db_mb"]

    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    table = png.with_suffix(".md").read_text()
    assert table.startswith("| pending payments | confirm p50 / p99 (s) |")
    assert table in done.stderr
    assert len(table.splitlines()) == 2 + len(rows)
