"""RequestToWithdraw on the time-skipping server: MoMo's documented outcomes, with MoMo scripted.

The payment pattern itself (callback verified by GET, polling, 409 after a lost response,
UNKNOWN at the deadline) is checked on this workflow too, in test_payment_pattern.py.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from momoflow import contract
from momoflow.contract import ProviderStatus, status_task_queue
from momoflow.models import PaymentState, PaymentStatus
from momoflow.operations import RequestToWithdrawInput, RequestToWithdrawRequest
from tests.workflows.cases import TIMING, withdraw_input
from tests.workflows.fakes import FakeOperation, workers
from workflows.request_to_withdraw import RequestToWithdrawWorkflow


async def _run(env: WorkflowEnvironment, queue: str, fake: FakeOperation, inp=None) -> PaymentState:  # type: ignore[no-untyped-def]
    async with workers(env, queue, [RequestToWithdrawWorkflow], fake.activities()):
        return await env.client.execute_workflow(
            RequestToWithdrawWorkflow.run,
            inp or withdraw_input(TIMING),
            id=f"{contract.IdPrefix.REQUEST_TO_WITHDRAW}-{uuid.uuid4()}",
            task_queue=queue,
        )


async def test_success_submits_the_withdrawal_and_checks_on_the_status_queue(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake = FakeOperation(
        steps=contract.REQUEST_TO_WITHDRAW,
        statuses=[ProviderStatus(status="SUCCESSFUL", financial_transaction_id="42")],
    )
    result = await _run(time_env, task_queue, fake)
    assert (result.operation, result.status, result.financial_transaction_id) == (
        "request_to_withdraw",
        PaymentStatus.SUCCESSFUL,
        "42",
    )
    assert (result.amount, result.currency, result.external_id) == (Decimal("40"), "EUR", "CASHOUT-1")
    [submitted] = fake.submitted
    assert submitted.reference_id == result.reference_id
    assert submitted.payload["request"]["payer"]["party_id"] == "46733123454"
    assert set(fake.status_queues) == {status_task_queue(task_queue, "collection")}


@pytest.mark.parametrize(
    "reason", ["APPROVAL_REJECTED", "EXPIRED", "PAYER_NOT_FOUND", "NOT_ENOUGH_FUNDS", "COULD_NOT_PERFORM_TRANSACTION"]
)
async def test_momos_failure_ends_it_failed_with_that_reason(
    time_env: WorkflowEnvironment, task_queue: str, reason: str
) -> None:
    fake = FakeOperation(steps=contract.REQUEST_TO_WITHDRAW, statuses=[ProviderStatus(status="FAILED", reason=reason)])
    result = await _run(time_env, task_queue, fake)
    assert (result.status, result.reason, result.financial_transaction_id) == (PaymentStatus.FAILED, reason, None)


@pytest.mark.parametrize("code", ["INVALID_CURRENCY", "NOT_ALLOWED", "PAYER_NOT_FOUND", "BAD_REQUEST"])
async def test_refusal_at_submit_is_final_and_checks_nothing(
    time_env: WorkflowEnvironment, task_queue: str, code: str
) -> None:
    fake = FakeOperation(
        steps=contract.REQUEST_TO_WITHDRAW,
        submit_error=ApplicationError(f"HTTP 400 {code}", type=code, non_retryable=True),
    )
    result = await _run(time_env, task_queue, fake)
    assert (result.status, result.reason) == (PaymentStatus.FAILED, code)
    assert len(fake.submitted) == 1 and fake.get_calls == fake.poll_calls == 0


async def test_bad_input_fails_at_admission_before_anything_is_sent(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake = FakeOperation(steps=contract.REQUEST_TO_WITHDRAW)
    request = RequestToWithdrawRequest(
        amount=Decimal("-5"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123454"},
        external_id="X-1",
    )
    with pytest.raises(WorkflowFailureError) as info:
        await _run(time_env, task_queue, fake, RequestToWithdrawInput(request=request, timing=TIMING))
    assert isinstance(info.value.cause, ApplicationError)
    assert info.value.cause.type == contract.INVALID_REQUEST and "request.amount" in info.value.cause.message
    assert fake.submitted == []
