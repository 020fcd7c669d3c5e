"""``python -m bench.baseline_worker``: run the baseline workflow and its no-op activities.

Built like ``worker.py``: one client with momoflow's data converter, a main
worker for the workflow and the first activity, a second worker on the status
queue with the same server-side rate limit, the same graceful shutdown. Reads
the same ``TEMPORAL_*`` and ``MOMO_STATUS_CHECKS_PER_SECOND`` settings.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta

from temporalio.worker import Worker

from bench.baseline import BaselineWorkflow, noop_get_status, noop_submit
from momoflow.settings import MomoSettings, TemporalSettings
from momoflow.temporal import connect

READY_LINE = "baseline worker started"


def _shutdown_grace() -> timedelta:
    return timedelta(seconds=float(os.environ.get("WORKER_SHUTDOWN_GRACE_S", "10")))


async def run_worker(stop: asyncio.Event) -> None:
    temporal = TemporalSettings()
    momo = MomoSettings()
    client = await connect(temporal)
    main = Worker(
        client,
        task_queue=temporal.task_queue,
        workflows=[BaselineWorkflow],
        activities=[noop_submit],
        graceful_shutdown_timeout=_shutdown_grace(),
    )
    status = Worker(
        client,
        task_queue=temporal.status_queue("collection"),
        activities=[noop_get_status],
        max_task_queue_activities_per_second=momo.status_checks_per_second,
        graceful_shutdown_timeout=_shutdown_grace(),
    )
    async with main, status:
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

    asyncio.run(runner())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the Temporal SDK's native runtime can crash at interpreter exit


if __name__ == "__main__":
    main()
