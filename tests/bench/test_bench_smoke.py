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
    "throughput_ratio",
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
