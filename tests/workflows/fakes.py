"""MoMo's side of one asynchronous operation, mocked by activity name and scripted per test."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.admission import admission_activity
from activities.errors import still_pending
from momoflow import contract
from momoflow.contract import ProviderStatus, StatusCheck, Steps, status_task_queue
from momoflow.models import Product
from momoflow.settings import PaymentDefaults, WebhookSettings


@dataclass
class FakeOperation:
    """A scripted MoMo: ``statuses`` are returned by successive status calls (the last one repeats).

    ``by_reference`` scripts other reference ids (an invoice cancellation, say) separately.
    """

    steps: Steps = contract.REQUEST_TO_PAY
    statuses: list[ProviderStatus] = field(default_factory=lambda: [ProviderStatus(status="PENDING")])
    by_reference: dict[str, list[ProviderStatus]] = field(default_factory=dict)
    submit_error: ApplicationError | None = None
    # Fail this many submit attempts retryably before the request goes through.
    submit_transient_failures: int = 0
    submitted: list[Any] = field(default_factory=list)
    created: list[bool] = field(default_factory=list)
    get_calls: int = 0
    poll_calls: int = 0
    checked_refs: list[str] = field(default_factory=list)
    # When each poll attempt was scheduled, on the workflow's clock.
    poll_times: list[datetime] = field(default_factory=list)
    # The task queue each status call ran on.
    status_queues: list[str] = field(default_factory=list)

    @property
    def submitted_refs(self) -> list[str]:
        return [item.reference_id for item in self.submitted]

    def _next(self, reference_id: str) -> ProviderStatus:
        self.checked_refs.append(reference_id)
        script = self.by_reference.get(reference_id)
        if script is not None:
            return script[0] if len(script) == 1 else script.pop(0)
        index = min(self.get_calls + self.poll_calls - 1, len(self.statuses) - 1)
        return self.statuses[index]

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name=self.steps.submit)
        async def submit(request: Any) -> bool:
            self.submitted.append(_Submitted(request))
            if self.submit_error is not None:
                raise self.submit_error
            if len(self.submitted) <= self.submit_transient_failures:
                raise ApplicationError("HTTP 503 SERVICE_UNAVAILABLE", type="SERVICE_UNAVAILABLE")
            created = not self.submit_transient_failures  # after a lost response MoMo answers 409
            self.created.append(created)
            return created

        @activity.defn(name=self.steps.get_status)
        async def get_status(check: StatusCheck) -> ProviderStatus:
            self.get_calls += 1
            self.status_queues.append(activity.info().task_queue)
            return self._next(check.reference_id)

        @activity.defn(name=self.steps.await_final)
        async def await_final(check: StatusCheck) -> ProviderStatus:
            self.poll_calls += 1
            self.status_queues.append(activity.info().task_queue)
            self.poll_times.append(activity.info().current_attempt_scheduled_time)
            answer = self._next(check.reference_id)
            if not answer.is_final:
                raise still_pending(answer.status)
            return answer

        extra = [_accepting_ledger()] if self.steps == contract.REFUND else []
        return [submit, get_status, await_final, *extra]


def _accepting_ledger() -> Callable[..., Any]:
    """A refund's claim on the payment's ledger, always accepted (tests/workflows/test_refund.py tests the ledger)."""

    @activity.defn(name=contract.REFUND_RESERVE)
    async def reserve(claim: Any) -> dict[str, Any]:
        return {"accepted": True, "remaining": "0", "original_reference_id": "original-reference-id"}

    return reserve


class _Submitted:
    """Whatever the workflow submitted, with its reference id readable whatever its model."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self.reference_id = payload["reference_id"] if isinstance(payload, dict) else payload.reference_id


@contextlib.asynccontextmanager
async def workers(
    env: WorkflowEnvironment,
    queue: str,
    workflows: list[type],
    activities: list[Callable[..., Any]],
    defaults: PaymentDefaults | None = None,
    webhooks: WebhookSettings | None = None,
) -> AsyncIterator[None]:
    """A worker on the main queue and one per product status queue, as worker.py runs them.

    The main worker judges inputs (``momoflow.admit``) with ``defaults`` as its timing settings,
    and with webhooks on when ``webhooks`` configures them.
    """
    async with contextlib.AsyncExitStack() as stack:
        main = [admission_activity(defaults or PaymentDefaults(), webhooks), *activities]
        await stack.enter_async_context(Worker(env.client, task_queue=queue, workflows=workflows, activities=main))
        for product in Product:
            await stack.enter_async_context(
                Worker(env.client, task_queue=status_task_queue(queue, product.value), activities=activities)
            )
        yield
