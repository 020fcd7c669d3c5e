"""Backlog mode: do callback-confirmed payments stay quick while thousands of others poll?

Parks ``backlog`` payments whose customer never answers (they poll on the production
schedule), with the status-check rate limit at its production setting, then runs waves of
payments whose customers approve at once and measures, from the outside:

* how long each quick payment took from its callback (the gateway's "callback received"
  log line) to SUCCESSFUL (the workflow's own status history);
* the status GETs per second the sandbox answered (its counters, sampled every second),
  and whether MTN's cap of 10/s per credential, enforced by the sandbox here, refused any;
* for every backlog payment, the longest time between two of its status checks, and how
  long the ones not checked again have waited since their last check;
* the worker's and the server's CPU and memory over the measured phase, and what the
  backlog added to the worker's memory and to the server's database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.measure import cpu_seconds, memory, percentile, sqlite_bytes
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming

if TYPE_CHECKING:
    from bench.runner import Bench

# The sandbox's payer whose requests stay PENDING for ever.
NEVER_ANSWERS = "46733123453"
# Production timing, with a deadline far enough away that the backlog polls for the whole run.
BACKLOG_TIMING = PaymentTiming(deadline_s=6 * 3600)
# The quick payments use the production timing unchanged.
QUICK_TIMING = PaymentTiming()
SAMPLE_EVERY_S = 1.0


def log_print(message: str) -> None:
    from bench.runner import say

    say(f"backlog: {message}")


@dataclass
class StatsSampler:
    """Reads the sandbox's counters every second: total GETs, 429s, and GETs per reference id."""

    tracked: set[str] = field(default_factory=set)
    times: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    # reference id -> moments (bench clock) at which its GET count was seen to grow
    checks: dict[str, list[float]] = field(default_factory=dict)
    _last: dict[str, int] = field(default_factory=dict)

    def add(self, now: float, stats: dict[str, Any]) -> None:
        gets: dict[str, int] = stats.get("status_gets", {})
        self.times.append(now)
        self.totals.append(sum(gets.values()))
        self.refused.append(int(stats.get("status_rate_limited", 0)))
        for ref in self.tracked:
            count = gets.get(ref, 0)
            if count > self._last.get(ref, 0):
                self.checks.setdefault(ref, []).append(now)
            self._last[ref] = count

    def rates(self, since: float, window_s: float) -> list[float]:
        """GETs per second over consecutive windows of about ``window_s`` after ``since``."""
        points = [(t, n) for t, n in zip(self.times, self.totals, strict=True) if t >= since]
        out: list[float] = []
        i = 0
        for j in range(1, len(points)):
            if points[j][0] - points[i][0] >= window_s * 0.95:
                out.append((points[j][1] - points[i][1]) / (points[j][0] - points[i][0]))
                i = j
        return out

    def gaps(self, since: float, until: float) -> dict[str, Any]:
        """The longest wait between two checks of one payment, and since the last check."""
        closed: list[float] = []
        open_gaps: list[float] = []
        twice = 0
        for ref in self.tracked:
            moments = [t for t in self.checks.get(ref, []) if t >= since]
            if len(moments) >= 2:
                twice += 1
                closed.append(max(b - a for a, b in zip(moments, moments[1:], strict=False)))
            open_gaps.append(until - moments[-1] if moments else until - since)
        return {
            "max_gap_s": round(max(closed), 1) if closed else None,
            "max_open_gap_s": round(max(open_gaps), 1) if open_gaps else None,
            "checked_twice": twice,
            "never_checked": sum(1 for ref in self.tracked if not any(t >= since for t in self.checks.get(ref, []))),
        }


@contextlib.contextmanager
def _sampling(bench: Bench, sampler: StatsSampler) -> Iterator[None]:
    async def loop() -> None:
        while True:
            with contextlib.suppress(Exception):  # a missed sample only widens the next window
                sampler.add(time.monotonic(), await bench.stack.sandbox_stats())
            await asyncio.sleep(SAMPLE_EVERY_S)

    task = asyncio.ensure_future(loop())
    try:
        yield
    finally:
        task.cancel()


def callback_times(log: Path) -> dict[str, datetime]:
    """Workflow id -> when the gateway received its first callback, from its JSON log."""
    seen: dict[str, datetime] = {}
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return seen
    for line in lines:
        if '"callback received"' not in line:
            continue
        try:
            entry = json.loads(line)
            at = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
            seen.setdefault(entry["workflow_id"], at)
        except (ValueError, KeyError, TypeError):
            continue
    return seen


async def _callback_times_of(log: Path, finished: list[tuple[str, PaymentState]]) -> dict[str, datetime]:
    """``callback_times`` once the gateway has logged every finished payment's callback.

    The gateway writes its line after it has signalled the workflow, so a payment can
    finish, and be read here, a moment before its line is in the log.
    """
    deadline = time.monotonic() + 10
    while True:
        arrivals = callback_times(log)
        if all(workflow_id in arrivals for workflow_id, _ in finished) or time.monotonic() > deadline:
            return arrivals
        await asyncio.sleep(0.2)


async def run_backlog(bench: Bench) -> dict[str, Any]:
    c = bench.config
    stack = bench.stack
    assert stack.worker is not None and stack.temporal is not None
    momoflow = bench.momoflow
    run = bench.run_id
    warm = await bench.full_round(0, max(min(c.warmup, 20), 1), "BW")
    if warm.errors:
        raise RuntimeError(f"backlog warm-up failed: {warm.errors[:3]}")

    db = stack.config.data_dir / "temporal.db"
    worker_before, db_before = memory(stack.worker.pid), sqlite_bytes(db)
    before = set((await stack.sandbox_stats())["posts_accepted"])
    gate = asyncio.Semaphore(c.start_concurrency)
    started_at = time.monotonic()

    async def park(i: int) -> None:
        async with gate:
            request = bench._request(f"BENCH-{run}-BL-{i}", payer=NEVER_ANSWERS)
            await momoflow.request_to_pay(request, timing=BACKLOG_TIMING)

    await asyncio.wait_for(asyncio.gather(*(park(i) for i in range(c.backlog))), c.timeout_for_pending())
    sampler = StatsSampler()
    deadline = time.monotonic() + c.timeout_for_pending()
    while time.monotonic() < deadline:
        accepted = set((await stack.sandbox_stats())["posts_accepted"]) - before
        if len(accepted) >= c.backlog:
            break
        await asyncio.sleep(1.0)
    sampler.tracked = accepted
    parked_s = time.monotonic() - started_at
    log_print(f"{len(accepted)}/{c.backlog} parked and PENDING in {parked_s:.0f} s")

    pids = {"worker": stack.worker.pid, "server": stack.temporal.pid}
    with _sampling(bench, sampler):
        await asyncio.sleep(c.backlog_settle_s)  # every parked payment has started polling
        measured_from = time.monotonic()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        latencies, end_to_end, errors, ids = await _waves(bench, momoflow)
        remaining = c.backlog_observe_s - (time.monotonic() - measured_from)
        if remaining > 0:
            log_print(f"observing the backlog's checks for {remaining:.0f} s more")
            await asyncio.sleep(remaining)
        measured_until = time.monotonic()
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    wall = measured_until - measured_from
    worker_after, db_after = memory(stack.worker.pid), sqlite_bytes(db)
    per_pending = max(len(accepted), 1)
    stats = await stack.sandbox_stats()
    rates_1s = sampler.rates(measured_from, 1.0)
    rates_5s = sampler.rates(measured_from, 5.0)
    gaps = sampler.gaps(measured_from, measured_until)
    refused = sampler.refused[-1] - next(
        (n for t, n in zip(sampler.times, sampler.refused, strict=True) if t >= measured_from), 0
    )
    poll_rate = (sum(rates_1s) / len(rates_1s)) if rates_1s else 0.0
    result: dict[str, Any] = {
        "backlog_size": len(accepted),
        "backlog_requested": c.backlog,
        "backlog_parked_s": round(parked_s, 1),
        "backlog_quick_payments": len(ids) + len(errors),
        "backlog_confirm_p50_s": round(percentile(latencies, 50), 2),
        "backlog_confirm_p99_s": round(percentile(latencies, 99), 2),
        "backlog_confirm_max_s": round(max(latencies), 2) if latencies else None,
        "backlog_end_to_end_p50_s": round(percentile(end_to_end, 50), 2),
        "backlog_end_to_end_p99_s": round(percentile(end_to_end, 99), 2),
        "backlog_status_gets_per_s_max": round(max(rates_1s), 2) if rates_1s else 0.0,
        "backlog_status_gets_per_s_max_5s": round(max(rates_5s), 2) if rates_5s else 0.0,
        "backlog_status_gets_per_s_mean": round(poll_rate, 2),
        "backlog_status_rate_limited": refused,
        "backlog_status_rate_limit": c.status_rate,
        "backlog_max_check_gap_s": gaps["max_gap_s"],
        "backlog_max_open_gap_s": gaps["max_open_gap_s"],
        "backlog_checked_twice": gaps["checked_twice"],
        "backlog_never_checked": gaps["never_checked"],
        # Each pending payment waits at most its longest retry interval plus one turn of the
        # queue: B pending at P checks per second.
        "backlog_gap_bound_s": round(
            max(QUICK_TIMING.poll_interval_s, QUICK_TIMING.callback_timeout_s) + len(accepted) / c.status_rate, 1
        ),
        "backlog_observed_s": round(wall, 1),
        "backlog_cpu_cores": {name: round((cpu_after[name] - cpu_before[name]) / wall, 3) for name in pids},
        "backlog_rss_mb": {name: round(memory(pid).rss_kb / 1024, 1) for name, pid in pids.items()},
        "backlog_peak_rss_mb": {name: round(memory(pid).hwm_kb / 1024, 1) for name, pid in pids.items()},
        # What the backlog itself costs: the warmed-up worker and database before it was parked,
        # and after the waves.
        "backlog_worker_rss_mb_before": round(worker_before.rss_kb / 1024, 1),
        "backlog_worker_kb_per_pending": round((worker_after.rss_kb - worker_before.rss_kb) / per_pending, 2),
        "backlog_db_mb_before": round(db_before / 2**20, 2),
        "backlog_db_mb": round(db_after / 2**20, 2),
        "backlog_db_kb_per_pending": round((db_after - db_before) / 1024 / per_pending, 2),
        "backlog_errors": errors[:5],
        "tokens_minted": sum(stats.get("tokens_issued", {}).values()),
    }
    log_print(
        f"B={result['backlog_size']}: confirm p50 {result['backlog_confirm_p50_s']} s, p99 "
        f"{result['backlog_confirm_p99_s']} s; GETs/s max {result['backlog_status_gets_per_s_max']}; "
        f"max check gap {result['backlog_max_check_gap_s']} s (open {result['backlog_max_open_gap_s']} s)"
    )
    return result


async def _waves(bench: Bench, momoflow: Any) -> tuple[list[float], list[float], list[str], list[str]]:
    """Waves of payments approved at once; seconds from callback to SUCCESSFUL, and from start."""
    c = bench.config
    end_to_end: list[float] = []
    finished: list[Any] = []
    errors: list[str] = []

    async def one(label: str) -> None:
        began = time.perf_counter()
        payment = await momoflow.request_to_pay(bench._request(label), timing=QUICK_TIMING)
        state = await payment.result()
        end_to_end.append(time.perf_counter() - began)
        finished.append((payment.workflow_id, state))

    for wave in range(c.backlog_waves):
        if wave:
            await asyncio.sleep(c.backlog_wave_gap_s)
        labels = [f"BENCH-{bench.run_id}-Q{wave}-{i}" for i in range(c.backlog_payments)]
        tasks = [asyncio.ensure_future(one(label)) for label in labels]
        _, unfinished = await asyncio.wait(tasks, timeout=c.timeout_for_wave())
        for task in unfinished:
            task.cancel()
            errors.append(f"wave {wave}: a payment unfinished after {c.timeout_for_wave():.0f} s")
        for task in tasks:
            if task not in unfinished and task.exception() is not None:
                errors.append(f"wave {wave}: {type(task.exception()).__name__}: {task.exception()}")
        log_print(f"wave {wave + 1}/{c.backlog_waves}: {len(tasks) - len(unfinished)} finished")

    arrivals = await _callback_times_of(bench.stack.config.data_dir / "logs" / "callbacks.log", finished)
    latencies: list[float] = []
    for workflow_id, state in finished:
        done = next((change.at for change in state.history if change.status is PaymentStatus.SUCCESSFUL), None)
        if state.status is not PaymentStatus.SUCCESSFUL or done is None:
            errors.append(f"payment {state.external_id} ended {state.status.value} ({state.reason})")
        elif workflow_id not in arrivals:
            errors.append(f"payment {state.external_id}: no callback in the gateway's log")
        else:
            latencies.append(max((done - arrivals[workflow_id]).total_seconds(), 0.0))
    return latencies, end_to_end, errors, [workflow_id for workflow_id, _ in finished]
