"""``python -m bench.baseline_worker``: run the baseline and floor workflows and their activities.

Built like ``worker.py``: one client with momoflow's data converter, a main
worker for each workflow and its first activity, a second worker on each
status queue with the same server-side rate limit, the same graceful shutdown
and the same JSON logs. Reads the same ``TEMPORAL_*``, ``MOMO_*`` and
``CALLBACK_*`` settings. The baseline's activities do nothing; the floor's are
momoflow's own Request to Pay activities (bench/floor.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from datetime import timedelta

import httpx
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from bench.baseline import BaselineWorkflow, noop_get_status, noop_submit
from bench.floor import FloorWorkflow
from momo.tokens import TokenCache
from momoflow.contract import status_task_queue
from momoflow.logging import configure_logging
from momoflow.models import Product
from momoflow.settings import CallbackSettings, MomoSettings, TemporalSettings
from momoflow.temporal import connect
from momoflow.wiring import build_activities

READY_LINE = "baseline worker started"
FLOOR_QUEUE = "bench-floor"
# As worker.py loads momoflow's workflow modules once, this worker loads the bench's once: the
# same workflow runner for all three kinds.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules("bench"))


def _shutdown_grace() -> timedelta:
    return timedelta(seconds=float(os.environ.get("WORKER_SHUTDOWN_GRACE_S", "10")))


async def run_worker(stop: asyncio.Event) -> None:
    temporal = TemporalSettings()
    momo = MomoSettings()
    client = await connect(temporal)
    tokens = TokenCache(refresh_margin_s=momo.token_refresh_margin_s)
    async with httpx.AsyncClient(timeout=momo.http_timeout_s) as http:
        (collection,) = [
            g for g in build_activities(http, momo, CallbackSettings(), tokens) if g.product is Product.COLLECTION
        ]
        queues = [
            (temporal.task_queue, BaselineWorkflow, [noop_submit], [noop_get_status]),
            (FLOOR_QUEUE, FloorWorkflow, collection.main, collection.status),
        ]
        workers = []
        for queue, workflow_class, first, status in queues:
            workers.append(
                Worker(
                    client,
                    task_queue=queue,
                    workflows=[workflow_class],
                    workflow_runner=WORKFLOW_RUNNER,
                    activities=first,
                    graceful_shutdown_timeout=_shutdown_grace(),
                )
            )
            workers.append(
                Worker(
                    client,
                    task_queue=status_task_queue(queue, "collection"),
                    activities=status,
                    max_task_queue_activities_per_second=momo.status_checks_per_second,
                    graceful_shutdown_timeout=_shutdown_grace(),
                )
            )
        async with contextlib.AsyncExitStack() as running:
            for worker in workers:
                await running.enter_async_context(worker)
            print(f"{READY_LINE} task_queue={temporal.task_queue} pid={os.getpid()}", flush=True)
            await stop.wait()
    print("baseline worker stopped", flush=True)


def main() -> None:
    stop = asyncio.Event()

    async def runner() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(stop)

    configure_logging("baseline-worker")
    asyncio.run(runner())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the Temporal SDK's native runtime can crash at interpreter exit


if __name__ == "__main__":
    main()
