"""``python worker.py``: run every momoflow workflow and activity.

Two Temporal workers share one client: the main task queue runs workflows and
submissions; the status queue runs status GETs under a server-side rate limit,
so all worker replicas together stay under MoMo's per-credential cap. The server
hands those GETs out by the priority the workflow gave each (a callback's check
before background polls), so the one budget needs no split.
Ctrl-C or SIGTERM stops polling for new tasks and lets running ones finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import warnings
from datetime import timedelta

import httpx
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.admission import admission_activity
from activities.webhooks import webhook_activities
from momo.tokens import TokenCache
from momoflow import tracing
from momoflow.logging import configure_logging, get_logger
from momoflow.metrics import server as metrics_server
from momoflow.metrics import temporal as temporal_metrics
from momoflow.metrics import unknown as unknown_metrics
from momoflow.settings import (
    CallbackSettings,
    MissingCodecKey,
    MomoSettings,
    PaymentDefaults,
    TemporalSettings,
    WebhookConfigError,
    WebhookSettings,
)
from momoflow.temporal import TemporalSetupError, connect
from momoflow.wiring import build_activities, worker_activities
from workflows.registry import WORKFLOWS  # one per use case (momoflow/use_cases.py)

# Temporal's sandbox re-imports a workflow's module, and every module it imports that is not
# passed through, for each workflow run. momoflow's workflow code holds no module state (a
# run's state lives on its workflow instance), so the production worker loads it once
# (a py-spy profile under `python -m bench` had a workflow module's import at 7% of the
# worker's samples; see README, Performance). Workflow and replay tests keep the strict
# default sandbox, so
# non-deterministic code in these modules is still caught there.
SHARED_WORKFLOW_MODULES = ("workflows",)
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*SHARED_WORKFLOW_MODULES)
)


async def run_worker(stop: asyncio.Event) -> None:
    log = get_logger("worker")
    temporal = TemporalSettings()
    momo = MomoSettings()
    callbacks = CallbackSettings()
    webhooks = WebhookSettings.load()
    metrics = metrics_server.MetricsSettings()
    metrics_server.serve(metrics)  # MoMo calls and token renewals
    client = await connect(temporal, runtime=temporal_metrics.runtime(metrics), interceptors=tracing.interceptors())
    tokens = TokenCache(refresh_margin_s=momo.token_refresh_margin_s)
    async with httpx.AsyncClient(timeout=momo.http_timeout_s) as http, httpx.AsyncClient() as webhook_http:
        groups = build_activities(http, momo, callbacks, tokens)
        workers = [
            Worker(
                client,
                task_queue=temporal.task_queue,
                workflows=WORKFLOWS,
                workflow_runner=WORKFLOW_RUNNER,
                # The admission check runs as a local activity, so only on the workflows' queue.
                activities=[
                    admission_activity(PaymentDefaults(), webhooks),
                    *webhook_activities(webhooks, webhook_http),
                    *(function for group in groups for function in group.main),
                    *worker_activities(client, temporal.task_queue),
                ],
                graceful_shutdown_timeout=_shutdown_grace(),
            )
        ]
        for group in groups:
            workers.append(
                Worker(
                    client,
                    task_queue=temporal.status_queue(group.product.value),
                    activities=group.status,
                    max_task_queue_activities_per_second=momo.status_checks_per_second,
                    graceful_shutdown_timeout=_shutdown_grace(),
                )
            )
        async with contextlib.AsyncExitStack() as running:
            for worker in workers:
                await running.enter_async_context(worker)
            if metrics.port is not None and metrics.unknown_scan_interval_s > 0:
                scanner = asyncio.create_task(unknown_metrics.keep_scanning(client, metrics.unknown_scan_interval_s))
                running.callback(scanner.cancel)
            log.info(
                "worker started",
                task_queue=temporal.task_queue,
                status_task_queues=[temporal.status_queue(group.product.value) for group in groups],
                products=[group.product.value for group in groups if group.configured],
                momo_base_url=momo.base_url,
                webhook_endpoints=len(webhooks.endpoint_list),
                pid=os.getpid(),
            )
            await stop.wait()
            log.info("worker stopping")
    log.info("worker stopped", tokens_minted=tokens.minted)


class ShutdownSettings(BaseSettings):
    """How long a stopping worker lets running activities finish before cancelling them."""

    model_config = SettingsConfigDict(env_prefix="WORKER_", extra="ignore")

    shutdown_grace_s: float = Field(default=10.0, ge=0)


class WorkerConfigError(ValueError):
    """A worker setting a person must fix; the message names the variable."""


def _shutdown_grace() -> timedelta:
    try:
        return timedelta(seconds=ShutdownSettings().shutdown_grace_s)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise WorkerConfigError(f"WORKER_SHUTDOWN_GRACE_S: {problem} (seconds, e.g. 10)") from None


def main() -> None:
    configure_logging("worker")
    # A workflow started without input fails in its __init__ (momoflow.validation.required),
    # before the SDK's coroutines for its run and any start signal are awaited; Python would
    # print a warning for each. The workflow's failure and the "input refused" line say it all.
    warnings.filterwarnings("ignore", message=r"coroutine '_WorkflowInstanceImpl\.", category=RuntimeWarning)
    stop = asyncio.Event()

    async def runner() -> None:
        tracing.configure("worker")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(stop)

    code = 0
    try:
        asyncio.run(runner())
    except (
        TemporalSetupError,
        MissingCodecKey,
        tracing.TracingConfigError,
        WebhookConfigError,
        WorkerConfigError,
    ) as exc:
        # A configuration a person must fix: one line that says what, not a traceback.
        print(f"worker: {exc}", file=sys.stderr)
        code = 2
    tracing.shutdown()  # os._exit skips atexit, where the SDK would send the last spans
    # Work around a known interpreter-exit crash in the Temporal SDK's native runtime.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
