"""Workers for webhook tests: the real enqueue step and a scripted receiver in place of the POST."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.admission import admission_activity
from activities.webhooks import webhook_activities
from momoflow import contract
from momoflow.contract import WebhookPost, status_task_queue
from momoflow.models import Product
from momoflow.settings import PaymentDefaults, WebhookSettings
from workflows.webhook_delivery import WebhookDeliveryWorkflow

SETTINGS = WebhookSettings(
    endpoints="https://merchant.test/hooks",
    secrets="k1:webhook-test-secret-0123456789",
    retry_initial_s=10,
    retry_max_interval_s=600,
    give_up_after_s=3 * 24 * 3600,
)


@dataclass
class ScriptedReceiver:
    """Answers ``webhooks.deliver``: fails the first ``failures`` attempts of each event (or all with ``always``)."""

    failures: int = 0
    always: int | None = None  # an HTTP status to answer forever
    attempts: list[tuple[str, str, int, datetime]] = field(default_factory=list)  # (event id, type, attempt, when)
    delivered: list[WebhookPost] = field(default_factory=list)

    def activity(self) -> Callable[..., Any]:
        @activity.defn(name=contract.WEBHOOK_DELIVER)
        async def deliver(post: WebhookPost) -> int:
            info = activity.info()
            self.attempts.append((post.event.id, post.event.type, info.attempt, info.current_attempt_scheduled_time))
            if self.always == 410:
                raise ApplicationError("HTTP 410 Gone", type="WEBHOOK_ENDPOINT_GONE", non_retryable=True)
            if self.always is not None or info.attempt <= self.failures:
                raise ApplicationError(f"HTTP {self.always or 503}", type="WEBHOOK_REJECTED")
            self.delivered.append(post)
            return 200

        return deliver


@contextlib.asynccontextmanager
async def webhook_workers(
    env: WorkflowEnvironment,
    queue: str,
    workflows: list[type],
    activities: list[Callable[..., Any]],
    receiver: ScriptedReceiver | None,
    settings: WebhookSettings = SETTINGS,
) -> AsyncIterator[None]:
    """As ``fakes.workers`` with webhooks configured: real admission and enqueue, scripted POSTs."""
    async with contextlib.AsyncExitStack() as stack, httpx.AsyncClient() as http:
        enqueue, deliver = webhook_activities(settings, http)
        main = [
            admission_activity(PaymentDefaults(), settings),
            enqueue,
            receiver.activity() if receiver else deliver,
            *activities,
        ]
        await stack.enter_async_context(
            Worker(env.client, task_queue=queue, workflows=[*workflows, WebhookDeliveryWorkflow], activities=main)
        )
        for product in Product:
            await stack.enter_async_context(
                Worker(env.client, task_queue=status_task_queue(queue, product.value), activities=activities)
            )
        yield
