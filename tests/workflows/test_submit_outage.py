"""A MoMo outage longer than the submit budget: resend until MoMo acknowledges, never PENDING before.

MoMo is scripted on the workflow's clock: every POST fails retryably until the outage ends, and
the status GET answers 404 (NOT_FOUND) for a reference id MoMo never accepted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.errors import still_pending
from momoflow import contract
from momoflow.contract import ProviderStatus, StatusCheck
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming
from momoflow.operations import RequestToPayInput, RequestToPayRequest
from tests.workflows.fakes import workers
from workflows.payment_pattern import NOT_SUBMITTED, QUIET_PERIOD
from workflows.request_to_pay import RequestToPayWorkflow

TIMING = PaymentTiming(
    submit_timeout_s=20,
    callback_timeout_s=30,
    poll_interval_s=5,
    deadline_s=120,
    reconcile_initial_interval_s=30,
    reconcile_max_interval_s=600,
    reconcile_max_age_s=3600,
)
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="42")


@dataclass
class OutageMomo:
    """POSTs fail with 503 for ``outage_s`` after the first one; GETs 404 until one was accepted."""

    outage_s: float
    # Status GETs fail (MoMo unreachable) until this long after the first POST.
    get_outage_s: float = 0.0
    started: datetime | None = None
    post_times: list[float] = field(default_factory=list)
    accepted: int = 0
    get_times: list[tuple[float, str]] = field(default_factory=list)

    def _now(self) -> float:
        scheduled = activity.info().current_attempt_scheduled_time
        if self.started is None:
            self.started = scheduled
        return (scheduled - self.started).total_seconds()

    def _answer(self) -> ProviderStatus:
        return SUCCESS if self.accepted else ProviderStatus(status="NOT_FOUND")

    def _get(self) -> ProviderStatus:
        at = self._now()
        if at < self.get_outage_s:
            self.get_times.append((at, "503"))
            raise ApplicationError("HTTP 503 SERVICE_UNAVAILABLE", type="HTTP_503")
        answer = self._answer()
        self.get_times.append((at, answer.status))
        return answer

    def activities(self) -> list[Any]:
        steps = contract.REQUEST_TO_PAY

        @activity.defn(name=steps.submit)
        async def submit(_: Any) -> bool:
            at = self._now()
            self.post_times.append(at)
            if at < self.outage_s:
                raise ApplicationError("HTTP 503 SERVICE_UNAVAILABLE", type="HTTP_503")
            created = not self.accepted
            self.accepted = 1
            return created

        @activity.defn(name=steps.get_status)
        async def get_status(_: StatusCheck) -> ProviderStatus:
            return self._get()

        @activity.defn(name=steps.await_final)
        async def await_final(check: StatusCheck) -> ProviderStatus:
            answer = self._get()
            if answer.is_final or (answer.status == "NOT_FOUND" and check.not_found_is_answer):
                return answer
            raise still_pending(answer.status)

        return [submit, get_status, await_final]


async def _run(env: WorkflowEnvironment, queue: str, momo: OutageMomo, timing: PaymentTiming = TIMING) -> PaymentState:
    request = RequestToPayRequest(
        amount=Decimal("500.00"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123454"},
        external_id="ORDER-OUTAGE",
    )
    async with workers(env, queue, [RequestToPayWorkflow], momo.activities()):
        handle = await env.client.start_workflow(
            RequestToPayWorkflow.run,
            RequestToPayInput(request=request, timing=timing),
            id=f"rtp-{uuid.uuid4()}",
            task_queue=queue,
        )
        return await handle.result()


async def test_outage_longer_than_submit_budget_is_resent_and_succeeds(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    momo = OutageMomo(outage_s=25)
    result = await _run(time_env, task_queue, momo)

    assert result.status is PaymentStatus.SUCCESSFUL
    assert momo.accepted == 1
    assert max(momo.post_times) >= 25 > TIMING.submit_timeout_s  # resent after the first budget ran out
    statuses = [change.status for change in result.history]
    # PENDING only once MoMo took the request: never while it answered 404.
    assert statuses == [PaymentStatus.SUBMITTING, PaymentStatus.PENDING, PaymentStatus.SUCCESSFUL]
    pending_at = (result.history[1].at - result.history[0].at).total_seconds()
    assert pending_at >= 25


async def test_unreachable_until_the_deadline_and_unknown_to_momo_is_not_submitted(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    momo = OutageMomo(outage_s=10_000)
    result = await _run(time_env, task_queue, momo)

    assert (result.status, result.reason) == (PaymentStatus.FAILED, NOT_SUBMITTED)
    assert result.reason_message is not None
    assert "never accepted" in result.reason_message and "nothing can be charged" in result.reason_message
    assert PaymentStatus.PENDING not in [change.status for change in result.history]
    assert momo.accepted == 0
    # The deciding GET came a quiet period after the last POST, and no POST after it.
    last_post = max(momo.post_times)
    last_get_at, last_answer = momo.get_times[-1]
    assert last_answer == "NOT_FOUND"
    assert last_get_at >= last_post + QUIET_PERIOD.total_seconds()
    assert last_post < TIMING.deadline_s + 1


async def test_momo_unreachable_for_the_final_check_stays_unknown_then_not_submitted(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    # POSTs never get through; GETs fail until well after the deadline and the quiet period.
    momo = OutageMomo(outage_s=10_000, get_outage_s=TIMING.deadline_s + QUIET_PERIOD.total_seconds() + 120)
    result = await _run(time_env, task_queue, momo)

    statuses = [change.status for change in result.history]
    assert PaymentStatus.PENDING not in statuses
    assert PaymentStatus.UNKNOWN in statuses  # no guess while MoMo could not be asked
    assert (result.status, result.reason) == (PaymentStatus.FAILED, NOT_SUBMITTED)
    assert result.history[-1].source == "reconciliation"
    assert momo.accepted == 0


async def test_status_get_that_knows_the_request_acknowledges_it(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    # The first POST went through but its answer was lost, and every retry failed until the
    # budget ran out: the GET knows the reference id, so no resend and PENDING at once.
    momo = OutageMomo(outage_s=10_000)
    momo.accepted = 1
    result = await _run(time_env, task_queue, momo)
    assert result.status is PaymentStatus.SUCCESSFUL
    assert max(momo.post_times) < TIMING.submit_timeout_s + 1
    assert [c.status for c in result.history][-1] is PaymentStatus.SUCCESSFUL
    assert timedelta(0) < result.history[-1].at - result.history[0].at
