"""When the callback is lost: the first status check comes seconds after submit, then ever less often."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities.errors import still_pending
from momoflow import contract
from momoflow.contract import ProviderStatus, StatusCheck
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming
from momoflow.operations import RequestToPayInput, RequestToPayRequest
from tests.workflows.fakes import FakeOperation, workers
from workflows.request_to_pay import RequestToPayWorkflow

# The production defaults for the phases that matter here.
TIMING = PaymentTiming(callback_timeout_s=60, poll_interval_s=5, deadline_s=900)
PENDING = ProviderStatus(status="PENDING")
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="7")


async def _run(env: WorkflowEnvironment, queue: str, fake: FakeOperation) -> PaymentState:
    request = RequestToPayRequest(
        amount=Decimal("5"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123454"},
        external_id="X",
    )
    async with workers(env, queue, [RequestToPayWorkflow], fake.activities()):
        handle = await env.client.start_workflow(
            RequestToPayWorkflow.run,
            RequestToPayInput(request=request, timing=TIMING),
            id=f"rtp-{uuid.uuid4()}",
            task_queue=queue,
        )
        return await handle.result()


async def test_lost_callback_is_noticed_within_seconds(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(statuses=[SUCCESS])  # paid at once; the callback never comes
    result = await _run(time_env, task_queue, fake)
    assert result.status is PaymentStatus.SUCCESSFUL
    took = (result.history[-1].at - result.history[0].at).total_seconds()
    assert took <= TIMING.poll_interval_s + 2  # was the whole callback timeout (60 s)


async def test_checks_spread_out_and_stay_few(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(statuses=[PENDING])  # never answers until the deadline
    await _run_until_unknown(time_env, task_queue, fake)
    times = fake.poll_times
    # The test server stamps a retry with the time it was scheduled, one gap before it ran: skip the first.
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times[1:])]
    before_deadline = [
        gap for gap, at in zip(gaps, times[2:], strict=True) if (at - times[0]).total_seconds() < TIMING.deadline_s - 10
    ]
    assert before_deadline[:3] == pytest.approx([5, 7.5, 11.25], abs=1)
    assert all(later >= earlier - 1 for earlier, later in itertools.pairwise(before_deadline))  # growing
    assert max(before_deadline) == pytest.approx(TIMING.callback_timeout_s, abs=1)  # capped
    # Over a 15-minute deadline: about one check a minute, not one every 5 s as before (~170).
    assert len(before_deadline) <= 22


async def _run_until_unknown(env: WorkflowEnvironment, queue: str, fake: FakeOperation) -> None:
    request = RequestToPayRequest(
        amount=Decimal("5"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123454"},
        external_id="Y",
    )
    async with workers(env, queue, [RequestToPayWorkflow], fake.activities()):
        handle = await env.client.start_workflow(
            RequestToPayWorkflow.run,
            RequestToPayInput(request=request, timing=TIMING),
            id=f"rtp-{uuid.uuid4()}",
            task_queue=queue,
        )
        await env.sleep(TIMING.deadline_s + 5)
        state: PaymentState = await handle.query("status", result_type=PaymentState)
        assert state.status is PaymentStatus.UNKNOWN


async def test_a_last_check_at_the_end_of_reconciliation(time_env: WorkflowEnvironment, task_queue: str) -> None:
    # Reconciliation's polls double up to 600 s apart, so the last one falls up to 600 s before
    # its end (no retry is scheduled past it). MoMo settles in that gap: a last check at the end sees it.
    timing = PaymentTiming(
        callback_timeout_s=60, poll_interval_s=5, deadline_s=300,
        reconcile_initial_interval_s=60, reconcile_max_interval_s=600, reconcile_max_age_s=3600,
    )  # fmt: skip
    started = await time_env.get_current_time()
    paid_after_s = 300 + 3600 - 150  # after the last poll, before the end

    async def answer() -> ProviderStatus:
        elapsed = (await time_env.get_current_time() - started).total_seconds()
        return SUCCESS if elapsed >= paid_after_s else PENDING

    @activity.defn(name=contract.REQUEST_TO_PAY.get_status)
    async def get_status(check: StatusCheck) -> ProviderStatus:
        return await answer()

    @activity.defn(name=contract.REQUEST_TO_PAY.await_final)
    async def await_final(check: StatusCheck) -> ProviderStatus:
        status = await answer()
        if not status.is_final:
            raise still_pending(status.status)
        return status

    submit = FakeOperation().activities()[0]
    request = RequestToPayRequest(
        amount=Decimal("5"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123454"},
        external_id="X",
    )
    async with workers(time_env, task_queue, [RequestToPayWorkflow], [submit, get_status, await_final]):
        handle = await time_env.client.start_workflow(
            RequestToPayWorkflow.run,
            RequestToPayInput(request=request, timing=timing),
            id=f"rtp-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result = await handle.result()
    assert result.status is PaymentStatus.SUCCESSFUL
    assert result.history[-1].source == "reconciliation"
