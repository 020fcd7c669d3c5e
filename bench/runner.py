"""The benchmark: momoflow's full payment path against bare Temporal, on one local stack.

One run starts a Temporal dev server (SQLite, WAL), the MoMo sandbox (customers
approve at once, callbacks on), the callback gateway, momoflow's worker and a
baseline worker, all on free ports in a temporary directory, and stops them at
the end.

* Full path: N Request to Pay payments at once through the starter facade:
  submit → sandbox → callback → gateway → signal → verify GET → SUCCESSFUL.
* Baseline: N workflows of the same Temporal shape (activity, signal-bounded
  wait, activity on the status queue) whose activities do nothing and whose
  signal the benchmark sends itself, on the same server with the same worker
  options.
* Floor: the baseline's shape with MoMo's real round trips (POST, callback
  through the gateway, GET) and nothing of momoflow's own (bench/floor.py).

Rounds alternate (full, floor, baseline, full, …) so a busy neighbour on a shared
machine slows all three; the figures are medians across rounds. ``--pending`` then
parks many payments whose customer never answers and measures what each one
costs in worker memory and server database size. ``--backlog`` instead times
callback-confirmed payments while such payments poll (bench/backlog.py);
``--backlog-sizes`` repeats that at several sizes, one stack each (bench/scaling.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from bench.backlog import NEVER_ANSWERS, run_backlog
from bench.baseline import BaselineInput, BaselineWorkflow
from bench.baseline_worker import FLOOR_QUEUE, READY_LINE
from bench.floor import FloorInput, FloorWorkflow
from bench.histories import per_use_case
from bench.measure import cpu_seconds, machine, median, memory, percentile, sqlite_bytes
from devstack import Stack, StackConfig
from devstack.processes import Check, ManagedProcess
from momoflow.contract import status_task_queue
from momoflow.models import PaymentStatus, PaymentTiming
from momoflow.operations import RequestToPayRequest
from starter.facade import Momoflow

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Ordinary payers (any number that is not one of the sandbox's test numbers succeeds).
PAYER_BASE = 46700000000

BASELINE_QUEUE = "bench-baseline"
BASELINE_STATUS_QUEUE = status_task_queue(BASELINE_QUEUE, "collection")
FLOOR_STATUS_QUEUE = status_task_queue(FLOOR_QUEUE, "collection")

# Long enough that every full-path payment is finished by its callback, never by polling.
CALLBACK_PATH_TIMING = PaymentTiming(callback_timeout_s=600, poll_interval_s=30, deadline_s=1800)
# Backlog payments sit in the callback wait for the whole run.
BACKLOG_TIMING = PaymentTiming(callback_timeout_s=6 * 3600, poll_interval_s=60, deadline_s=12 * 3600)


def say(message: str) -> None:
    """Progress goes to stderr; stdout carries only the JSON result."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class BenchConfig:
    n: int = 500
    rounds: int = 3
    pending: int = 0
    warmup: int = 20
    # Server-side cap on status GETs per second (MOMO_STATUS_CHECKS_PER_SECOND), for both
    # workers. MTN's per-credential cap (8 by default) would make the benchmark measure the
    # cap; the default lifts it so the figures show momoflow's own cost.
    status_rate: float = 1000.0
    # Bound on payments being started at once in backlog mode.
    start_concurrency: int = 200
    round_timeout_s: float | None = None
    pending_timeout_s: float | None = None
    # Backlog mode (bench/backlog.py): this many never-answered payments poll while waves of
    # payments approved at once are timed; the full/baseline rounds are skipped.
    backlog: int = 0
    backlog_payments: int = 20
    backlog_waves: int = 3
    backlog_wave_gap_s: float = 5.0
    backlog_settle_s: float = 15.0
    backlog_observe_s: float = 0.0  # keep sampling the backlog's checks at least this long
    profile: Path | None = None
    profile_rate: int = 100
    data_dir: Path | None = None  # default: a temporary directory, removed at the end

    def timeout_for_round(self) -> float:
        return self.round_timeout_s or max(120.0, self.n * 0.5)

    def timeout_for_pending(self) -> float:
        return self.pending_timeout_s or max(120.0, self.pending * 0.1, self.backlog * 0.25)

    def timeout_for_wave(self) -> float:
        return self.round_timeout_s or max(120.0, 2 * self.backlog / self.status_rate + 60)


@dataclass
class Round:
    kind: str  # "full", "floor" or "baseline"
    index: int
    n: int
    wall_s: float
    latencies_ms: list[float]
    errors: list[str]
    cpu_s: dict[str, float]
    states: list[Any] = field(default_factory=list, repr=False)
    workflow_ids: list[str] = field(default_factory=list, repr=False)

    @property
    def payments_per_s(self) -> float:
        return self.n / self.wall_s if self.wall_s > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "round": self.index,
            "n": self.n,
            "wall_s": round(self.wall_s, 3),
            "payments_per_s": round(self.payments_per_s, 2),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "errors": len(self.errors),
            "cpu_ms_per_payment": {name: round(1000 * s / self.n, 2) for name, s in self.cpu_s.items()},
        }


class _LogHas(Check):
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    async def __call__(self) -> bool:
        try:
            return self.text in self.path.read_text(errors="replace")
        except OSError:
            return False


class Bench:
    def __init__(self, config: BenchConfig, data_dir: Path) -> None:
        self.config = config
        self.data_dir = data_dir
        self.run_id = uuid.uuid4().hex[:8]
        self._payers = itertools.count(PAYER_BASE)
        self.stack = Stack(
            StackConfig.ephemeral(
                data_dir,
                sandbox_env={
                    "SANDBOX_APPROVAL_DELAY_S": "0",
                    "SANDBOX_CALLBACKS_ENABLED": "true",
                    # MTN's cap per credential: a 429 would show the worker went over it.
                    **({"SANDBOX_STATUS_RATE_LIMIT_PER_S": "10"} if config.backlog else {}),
                },
                worker_env={"MOMO_STATUS_CHECKS_PER_SECOND": str(config.status_rate)},
            )
        )
        self.baseline_worker: ManagedProcess | None = None

    # -- processes ---------------------------------------------------------------------------

    async def start(self) -> None:
        say(f"starting the stack in {self.data_dir}")
        await self.stack.start()
        if self.config.backlog:  # backlog mode measures momoflow alone: no baseline rounds
            say("stack ready: temporal, sandbox, gateway, worker")
            return
        env = {
            **self.stack.worker_env(),
            "TEMPORAL_TASK_QUEUE": BASELINE_QUEUE,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        }
        log = self.data_dir / "logs" / "baseline-worker.log"
        self.baseline_worker = ManagedProcess(
            "baseline-worker", [sys.executable, "-m", "bench.baseline_worker"], env, log, cwd=PROJECT_ROOT
        )
        self.baseline_worker.start()
        await self.baseline_worker.wait_until(_LogHas(log, READY_LINE), timeout=60)
        say("stack ready: temporal, sandbox, gateway, worker, baseline worker")

    def stop(self) -> None:
        if self.baseline_worker is not None:
            self.baseline_worker.stop()
        self.stack.stop()

    def pids(self) -> dict[str, int]:
        stack = self.stack
        named = {
            "server": stack.temporal,
            "worker": stack.worker,
            "sandbox": stack.sandbox,
            "gateway": stack.gateway,
            "baseline_worker": self.baseline_worker,
        }
        pids = {name: process.pid for name, process in named.items() if process is not None and process.alive}
        pids["client"] = os.getpid()
        return pids

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids().items()}

    @property
    def client(self) -> Client:
        return self.stack.client

    @property
    def momoflow(self) -> Momoflow:
        return self.stack.momoflow()

    # -- one payment of each kind ------------------------------------------------------------

    def _request(self, external_id: str, payer: str | None = None) -> dict[str, Any]:
        return {
            "amount": "100.00",
            "currency": "EUR",
            "payer": {"party_id_type": "MSISDN", "party_id": payer or str(next(self._payers))},
            "external_id": external_id,
            "payer_message": "Benchmark order",
            "payee_note": "Thank you",
        }

    async def _full_payment(self, momoflow: Momoflow, external_id: str) -> tuple[float, Any, str]:
        started = time.perf_counter()
        payment = await momoflow.request_to_pay(self._request(external_id), timing=CALLBACK_PATH_TIMING)
        state = await payment.result()
        return (time.perf_counter() - started) * 1000, state, payment.workflow_id

    async def _start(self, run: Any, arg: Any, workflow_id: str, task_queue: str) -> Any:
        """Start a bench workflow the way the facade starts a payment: one run per id."""
        return await self.client.start_workflow(
            run,
            arg,
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )

    async def _baseline_payment(self, workflow_id: str) -> tuple[float, Any, str]:
        started = time.perf_counter()
        inp = BaselineInput(key=workflow_id, status_task_queue=BASELINE_STATUS_QUEUE)
        handle = await self._start(BaselineWorkflow.run, inp, workflow_id, BASELINE_QUEUE)
        await handle.signal(BaselineWorkflow.callback, "callback")
        result = await handle.result()
        return (time.perf_counter() - started) * 1000, result, workflow_id

    async def _floor_payment(self, workflow_id: str) -> tuple[float, Any, str]:
        started = time.perf_counter()
        request = RequestToPayRequest.model_validate(self._request(workflow_id))
        inp = FloorInput(request=request, status_task_queue=FLOOR_STATUS_QUEUE)
        handle = await self._start(FloorWorkflow.run, inp, workflow_id, FLOOR_QUEUE)
        result = await handle.result()
        return (time.perf_counter() - started) * 1000, result, workflow_id

    # -- rounds ------------------------------------------------------------------------------

    async def _round(
        self, kind: str, index: int, n: int, one: Callable[[int], Awaitable[tuple[float, Any, str]]]
    ) -> Round:
        cpu_before = self.cpu()
        started = time.perf_counter()
        tasks = [asyncio.ensure_future(one(i)) for i in range(n)]
        _, unfinished = await asyncio.wait(tasks, timeout=self.config.timeout_for_round())
        wall = time.perf_counter() - started
        cpu_after = self.cpu()
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        latencies: list[float] = []
        states: list[Any] = []
        workflow_ids: list[str] = []
        errors: list[str] = []
        for i, task in enumerate(tasks):
            if task in unfinished:
                errors.append(f"{kind} payment {i} of round {index} unfinished after {wall:.0f} s")
            elif task.exception() is not None:
                exc = task.exception()
                errors.append(f"{kind} payment {i} of round {index}: {type(exc).__name__}: {exc}")
            else:
                latency, state, workflow_id = task.result()
                latencies.append(latency)
                states.append(state)
                workflow_ids.append(workflow_id)
        cpu = {name: cpu_after[name] - cpu_before.get(name, cpu_after[name]) for name in cpu_after}
        return Round(kind, index, n, wall, latencies, errors, cpu, states, workflow_ids)

    async def full_round(self, index: int, n: int, label: str | None = None) -> Round:
        momoflow = self.momoflow
        prefix = f"BENCH-{self.run_id}-{label or f'F{index}'}"
        result = await self._round("full", index, n, lambda i: self._full_payment(momoflow, f"{prefix}-{i}"))
        for state in result.states:
            if state.status is not PaymentStatus.SUCCESSFUL:
                result.errors.append(f"payment {state.external_id} ended {state.status.value} ({state.reason})")
        return result

    async def baseline_round(self, index: int, n: int, label: str | None = None) -> Round:
        prefix = f"bench-{self.run_id}-{label or f'B{index}'}"
        return await self._round("baseline", index, n, lambda i: self._baseline_payment(f"{prefix}-{i}"))

    async def floor_round(self, index: int, n: int, label: str | None = None) -> Round:
        prefix = f"floor-{self.run_id}-{label or f'L{index}'}"
        result = await self._round("floor", index, n, lambda i: self._floor_payment(f"{prefix}-{i}"))
        result.errors += [f"floor payment ended {r.status}" for r in result.states if r.status != "SUCCESSFUL"]
        return result

    async def history_shape(self, rounds: list[Round], sample: int = 25) -> dict[str, Any]:
        """Events and workflow tasks in a sample of the last round's histories: the shapes compared."""
        ids = rounds[-1].workflow_ids if rounds else []
        step = max(len(ids) // sample, 1)
        events: list[float] = []
        tasks: list[float] = []
        upserts: list[float] = []
        markers: list[float] = []
        timers = 0
        for workflow_id in ids[::step][:sample]:
            try:
                history = await self.client.get_workflow_handle(workflow_id).fetch_history()
            except Exception as exc:  # a figure for the report, never a reason to lose the run
                say(f"history of {workflow_id} unreadable: {type(exc).__name__}")
                continue
            kinds = [event.WhichOneof("attributes") for event in history.events]
            events.append(len(kinds))
            tasks.append(kinds.count("workflow_task_completed_event_attributes"))
            # Each search-attribute update is also a write to the server's visibility store.
            upserts.append(kinds.count("upsert_workflow_search_attributes_event_attributes"))
            markers.append(kinds.count("marker_recorded_event_attributes"))
            timers += kinds.count("timer_started_event_attributes")
        return {
            "sampled": len(events),
            "events_median": median(events),
            "workflow_tasks_median": median(tasks),
            "search_attribute_updates_median": median(upserts),
            "markers_median": median(markers),
            "timers_per_workflow": round(timers / len(events), 2) if events else 0.0,
        }

    async def rounds(self) -> dict[str, list[Round]]:
        c = self.config
        kinds: dict[str, Callable[[int, int, str | None], Awaitable[Round]]] = {
            "full": self.full_round,
            "floor": self.floor_round,
            "baseline": self.baseline_round,
        }
        if c.warmup:
            say(f"warm-up: {c.warmup} payments of each kind (not timed)")
            for kind, one_round in kinds.items():
                warm = await one_round(0, c.warmup, f"W{kind}")
                if warm.errors:
                    raise RuntimeError(f"warm-up failed: {warm.errors[:3]}")
        done: dict[str, list[Round]] = {kind: [] for kind in kinds}
        for index in range(1, c.rounds + 1):
            for kind, one_round in kinds.items():
                await asyncio.sleep(1.0)  # let the previous round's stragglers (visibility, logs) settle
                result = await one_round(index, c.n, None)
                done[kind].append(result)
                s = result.summary()
                say(
                    f"round {index} {kind:8s}: {s['payments_per_s']:7.1f} payments/s  "
                    f"p50 {s['p50_ms']:7.1f} ms  p99 {s['p99_ms']:7.1f} ms  errors {s['errors']}"
                )
        return done

    # -- what the sandbox saw ----------------------------------------------------------------

    @staticmethod
    def floor_provider_counts(stats: dict[str, Any], rounds: list[Round]) -> dict[str, Any]:
        """The floor's MoMo work per payment, to compare with the full path's."""
        results = [r for one in rounds for r in one.states]
        count = max(len(results), 1)
        accepted: dict[str, int] = stats.get("posts_accepted", {})
        gets: dict[str, int] = stats.get("status_gets", {})
        refs = [r.reference_id.lower() for r in results]
        return {
            "floor_posts_per_payment": round(sum(accepted.get(ref, 0) for ref in refs) / count, 3),
            "floor_gets_per_payment": round(sum(gets.get(ref, 0) for ref in refs) / count, 3),
            "floor_callbacks_per_payment": round(sum(r.callbacks for r in results) / count, 3),
        }

    @staticmethod
    def provider_counts(stats: dict[str, Any], rounds: list[Round]) -> dict[str, Any]:
        refs = [state.reference_id.lower() for r in rounds for state in r.states]
        accepted: dict[str, int] = stats.get("posts_accepted", {})
        rejected: dict[str, int] = stats.get("posts_rejected_duplicate", {})
        gets: dict[str, int] = stats.get("status_gets", {})
        count = max(len(refs), 1)
        states = [state for r in rounds for state in r.states]
        return {
            "posts_per_payment": round(sum(accepted.get(ref, 0) + rejected.get(ref, 0) for ref in refs) / count, 3),
            "gets_per_payment": round(sum(gets.get(ref, 0) for ref in refs) / count, 3),
            "duplicate_posts": sum(max(accepted.get(ref, 0) - 1, 0) for ref in refs),
            "posts_rejected_duplicate": sum(rejected.get(ref, 0) for ref in refs),
            "payments_without_accepted_post": sum(1 for ref in refs if accepted.get(ref, 0) == 0),
            "callbacks_per_payment": round(sum(s.callbacks_received for s in states) / count, 3),
            "finished_by": dict(Counter(s.history[-1].source if s.history else "?" for s in states)),
            "outcomes": dict(Counter(s.status.value for s in states)),
        }

    # -- backlog -----------------------------------------------------------------------------

    async def backlog(self) -> dict[str, Any]:
        c = self.config
        stack = self.stack
        assert stack.worker is not None
        # A fresh worker, warmed up, so "before" is a steady worker rather than one holding
        # the free memory of the rounds' 500 concurrent payments.
        say("backlog: restarting the worker for a clean memory baseline")
        stack.worker.stop()
        await stack.start_worker()
        tokens_before = sum((await stack.sandbox_stats())["tokens_issued"].values())
        warm = await self.full_round(0, max(min(c.warmup, 20), 1), "PW")
        if warm.errors:
            raise RuntimeError(f"backlog warm-up failed: {warm.errors[:3]}")
        await asyncio.sleep(2.0)
        worker_pid = stack.worker.pid
        db = self.data_dir / "temporal.db"
        mem_before = memory(worker_pid)
        db_before = sqlite_bytes(db)
        accepted_before = len((await stack.sandbox_stats())["posts_accepted"])
        say(f"backlog: worker RSS {mem_before.rss_kb / 1024:.1f} MB, database {db_before / 2**20:.1f} MB before")

        momoflow = self.momoflow
        gate = asyncio.Semaphore(c.start_concurrency)
        started_at = time.perf_counter()
        progress = {"started": 0}

        async def start_one(i: int) -> None:
            async with gate:
                await momoflow.request_to_pay(
                    self._request(f"BENCH-{self.run_id}-P-{i}", payer=NEVER_ANSWERS), timing=BACKLOG_TIMING
                )
                progress["started"] += 1
                if progress["started"] % 1000 == 0:
                    say(f"backlog: {progress['started']}/{c.pending} started")

        await asyncio.wait_for(asyncio.gather(*(start_one(i) for i in range(c.pending))), c.timeout_for_pending())
        start_s = time.perf_counter() - started_at
        say(f"backlog: {c.pending} started in {start_s:.1f} s; waiting for all to be PENDING")

        deadline = time.monotonic() + c.timeout_for_pending()
        accepted = pending = 0
        # Every round's payment has finished by now: the running PENDING ones are the backlog.
        query = 'ExecutionStatus = "Running" AND MomoStatus = "PENDING"'
        while time.monotonic() < deadline:
            accepted = len((await stack.sandbox_stats())["posts_accepted"]) - accepted_before
            if accepted >= c.pending:
                try:
                    pending = (await self.client.count_workflows(query)).count
                except Exception as exc:  # visibility can lag or refuse a query; the sandbox count still holds
                    say(f"backlog: visibility count failed ({type(exc).__name__}); using the sandbox's count")
                    pending = accepted
                if pending >= c.pending:
                    break
            await asyncio.sleep(1.0)
        all_pending_s = time.perf_counter() - started_at
        if pending < c.pending:
            say(f"backlog: only {pending} PENDING (sandbox accepted {accepted}) after {all_pending_s:.0f} s")
        await asyncio.sleep(3.0)  # let the last workflow tasks and the WAL settle
        mem_after = memory(worker_pid)
        db_after = sqlite_bytes(db)
        tokens_after = sum((await stack.sandbox_stats())["tokens_issued"].values())
        per = max(c.pending, 1)
        result = {
            "rss_kb_per_pending": round((mem_after.rss_kb - mem_before.rss_kb) / per, 3),
            "db_kb_per_pending": round((db_after - db_before) / 1024 / per, 3),
            "backlog": {
                "pending_requested": c.pending,
                "pending_reached": pending,
                "posts_accepted": accepted,
                "start_s": round(start_s, 1),
                "all_pending_s": round(all_pending_s, 1),
                "worker_rss_mb_before": round(mem_before.rss_kb / 1024, 1),
                "worker_rss_mb_after": round(mem_after.rss_kb / 1024, 1),
                "worker_peak_rss_mb": round(mem_after.hwm_kb / 1024, 1),
                "db_mb_before": round(db_before / 2**20, 2),
                "db_mb_after": round(db_after / 2**20, 2),
                "tokens_minted_by_restarted_worker": tokens_after - tokens_before,
            },
        }
        say(
            f"backlog: worker RSS {mem_after.rss_kb / 1024:.1f} MB, database {db_after / 2**20:.1f} MB after; "
            f"{result['rss_kb_per_pending']} KB RSS and {result['db_kb_per_pending']} KB database per pending payment"
        )
        return result

    # -- profiling ---------------------------------------------------------------------------

    async def profiled_round(self) -> dict[str, Any]:
        """One extra, untimed full-path round with py-spy sampling the worker."""
        from bench.profile import summarize

        c = self.config
        assert c.profile is not None and self.stack.worker is not None
        spy = _find_py_spy()
        if spy is None:
            say("profile: py-spy not found (pip install py-spy); skipped")
            return {"error": "py-spy not installed"}
        argv = [
            spy, "record", "--pid", str(self.stack.worker.pid), "--rate", str(c.profile_rate),
            "--format", "raw", "--full-filenames", "--gil", "--nonblocking", "--output", str(c.profile),
        ]  # fmt: skip
        say(f"profile: sampling the worker with py-spy during one more full-path round → {c.profile}")
        spy_log = open(self.data_dir / "logs" / "py-spy.log", "ab")
        process = subprocess.Popen(argv, stdout=spy_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        spy_log.close()
        try:
            await asyncio.sleep(1.5)  # py-spy attaches
            result = await self.full_round(99, c.n, "PROF")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        summary = summarize(c.profile, project_root=PROJECT_ROOT)
        summary["round"] = result.summary()
        summary["file"] = str(c.profile)
        return summary

    # -- everything --------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        c = self.config
        began = time.perf_counter()
        if c.backlog > 0:
            backlog = await run_backlog(self)
            backlog["duration_s"] = round(time.perf_counter() - began, 1)
            backlog["machine"] = machine()
            backlog["errors"] = len(backlog["backlog_errors"])
            return backlog
        done = await self.rounds()
        full, floor, baseline = done["full"], done["floor"], done["baseline"]
        assert self.stack.worker is not None and self.baseline_worker is not None
        worker_mem = memory(self.stack.worker.pid)
        baseline_mem = memory(self.baseline_worker.pid)
        await asyncio.sleep(0.5)
        stats = await self.stack.sandbox_stats()

        full_rate = median([r.payments_per_s for r in full])
        floor_rate = median([r.payments_per_s for r in floor])
        base_rate = median([r.payments_per_s for r in baseline])
        cpu_full = _cpu_per_payment(full)
        cpu_floor = _cpu_per_payment(floor)
        cpu_base = _cpu_per_payment(baseline)
        result: dict[str, Any] = {
            "n": c.n,
            "rounds": c.rounds,
            "full_payments_per_s": round(full_rate, 2),
            "baseline_payments_per_s": round(base_rate, 2),
            "throughput_ratio": round(full_rate / base_rate, 3) if base_rate else 0.0,
            "round_ratios": [
                round(f.payments_per_s / b.payments_per_s, 3) if b.payments_per_s else 0.0
                for f, b in zip(full, baseline, strict=True)
            ],
            # The floor: MoMo's round trips on the baseline's shape (bench/floor.py). What separates the
            # full path from the floor is momoflow's own cost; the floor from the baseline, MoMo's.
            "floor_payments_per_s": round(floor_rate, 2),
            "floor_throughput_ratio": round(floor_rate / base_rate, 3) if base_rate else 0.0,
            "full_vs_floor_ratio": round(full_rate / floor_rate, 3) if floor_rate else 0.0,
            "floor_round_ratios": [
                round(f.payments_per_s / b.payments_per_s, 3) if b.payments_per_s else 0.0
                for f, b in zip(floor, baseline, strict=True)
            ],
            "full_p50_ms": round(median([percentile(r.latencies_ms, 50) for r in full]), 1),
            "full_p99_ms": round(median([percentile(r.latencies_ms, 99) for r in full]), 1),
            "baseline_p50_ms": round(median([percentile(r.latencies_ms, 50) for r in baseline]), 1),
            "baseline_p99_ms": round(median([percentile(r.latencies_ms, 99) for r in baseline]), 1),
            "floor_p50_ms": round(median([percentile(r.latencies_ms, 50) for r in floor]), 1),
            "floor_p99_ms": round(median([percentile(r.latencies_ms, 99) for r in floor]), 1),
            **self.provider_counts(stats, full),
            **self.floor_provider_counts(stats, floor),
            "tokens_minted": sum(stats.get("tokens_issued", {}).values()),
            "tokens_minted_by_product": stats.get("tokens_issued", {}),
            "worker_peak_rss_mb": round(worker_mem.hwm_kb / 1024, 1),
            "worker_rss_mb": round(worker_mem.rss_kb / 1024, 1),
            "baseline_worker_peak_rss_mb": round(baseline_mem.hwm_kb / 1024, 1),
            "cpu_ms_per_payment": {"full": cpu_full, "floor": cpu_floor, "baseline": cpu_base},
            # CPU per payment of all processes, as a multiple of the baseline's.
            "cpu_over_baseline": {
                kind: round(cpu["total"] / cpu_base["total"], 3) if cpu_base["total"] else 0.0
                for kind, cpu in (("full", cpu_full), ("floor", cpu_floor))
            },
            "full_cpu_over_floor": round(cpu_full["total"] / cpu_floor["total"], 3) if cpu_floor["total"] else 0.0,
            # On a saturated machine throughput follows CPU per payment; this ratio is steadier
            # than wall-clock throughput when neighbours come and go.
            "cpu_ratio": round(cpu_base["total"] / cpu_full["total"], 3) if cpu_full["total"] else 0.0,
            # The sandbox stands in for MTN, which would not run on this machine.
            "cpu_ratio_without_sandbox": (
                round(cpu_base["total"] / (cpu_full["total"] - cpu_full.get("sandbox", 0.0)), 3)
                if cpu_full["total"] > cpu_full.get("sandbox", 0.0)
                else 0.0
            ),
            "errors": sum(len(r.errors) for r in full + floor + baseline),
            "error_samples": [e for r in full + floor + baseline for e in r.errors][:5],
            "status_checks_per_second": c.status_rate,
            "history_shape": {kind: await self.history_shape(rounds) for kind, rounds in done.items()},
            "rounds_detail": [r.summary() for trio in zip(full, floor, baseline, strict=True) for r in trio],
        }
        say("history events per payment: a few settled payments of each use case")
        result["history_events_per_payment"] = await per_use_case(self.client, self.momoflow, self.run_id)
        result["baseline_history_events_per_payment"] = result["history_shape"]["baseline"]["events_median"]
        if c.profile is not None:
            result["profile"] = await self.profiled_round()
        if c.pending > 0:
            result["pending"] = c.pending
            result.update(await self.backlog())
        result["duration_s"] = round(time.perf_counter() - began, 1)
        result["machine"] = machine()
        return result


def _cpu_per_payment(rounds: list[Round]) -> dict[str, float]:
    names = sorted({name for r in rounds for name in r.cpu_s})
    per = {name: round(median([1000 * r.cpu_s.get(name, 0.0) / r.n for r in rounds]), 3) for name in names}
    per["total"] = round(sum(v for k, v in per.items()), 3)
    return per


def _find_py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    if beside.exists():
        return str(beside)
    import shutil

    return shutil.which("py-spy")


@contextlib.contextmanager
def _data_dir(configured: Path | None) -> Iterator[Path]:
    if configured is not None:
        configured.mkdir(parents=True, exist_ok=True)
        yield configured.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="momoflow-bench-") as tmp:
        yield Path(tmp)


async def run_bench(config: BenchConfig) -> dict[str, Any]:
    """Start everything, measure, stop everything; return the result object."""
    with _data_dir(config.data_dir) as data_dir:
        bench = Bench(config, data_dir)
        try:
            await bench.start()
            return await bench.run()
        finally:
            say("stopping the stack")
            bench.stop()
