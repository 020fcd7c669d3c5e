"""Deposit and remittance transfer: what each adds to the pattern (time-skipping server, MoMo scripted)."""

from __future__ import annotations

import uuid

import pytest
from temporalio.testing import WorkflowEnvironment

from momoflow import contract
from momoflow.contract import ProviderStatus, status_task_queue
from momoflow.models import PaymentState, PaymentStatus, Product
from tests.workflows.cases import TIMING, deposit_input, remittance_transfer_input
from tests.workflows.fakes import FakeOperation, workers
from workflows.deposit import DepositWorkflow
from workflows.remittance_transfer import RemittanceTransferWorkflow

# The reasons a deposit's payee test numbers end in (MTN's request-to-pay table, payee side).
DEPOSIT_FAILURES = [
    "INTERNAL_PROCESSING_ERROR",
    "APPROVAL_REJECTED",
    "EXPIRED",
    "PAYEE_NOT_FOUND",
    "PAYEE_NOT_ALLOWED_TO_RECEIVE",
    "NOT_ALLOWED",
    "NOT_ALLOWED_TARGET_ENVIRONMENT",
    "INVALID_CALLBACK_URL_HOST",
    "INVALID_CURRENCY",
    "SERVICE_UNAVAILABLE",
    "COULD_NOT_PERFORM_TRANSACTION",
]
# A remittance transfer's payee test numbers: the disbursement transfer's.
REMITTANCE_FAILURES = [
    "INTERNAL_PROCESSING_ERROR",
    "APPROVAL_REJECTED",
    "EXPIRED",
    "NOT_ENOUGH_FUNDS",
    "PAYER_LIMIT_REACHED",
    "PAYEE_NOT_FOUND",
    "NOT_ALLOWED",
    "NOT_ALLOWED_TARGET_ENVIRONMENT",
    "INVALID_CALLBACK_URL_HOST",
    "INVALID_CURRENCY",
    "SERVICE_UNAVAILABLE",
]


async def _run(env: WorkflowEnvironment, queue: str, workflow: type, inp, fake: FakeOperation) -> PaymentState:
    async with workers(env, queue, [workflow], fake.activities()):
        return await env.client.execute_workflow(workflow.run, inp, id=f"payout-{uuid.uuid4()}", task_queue=queue)


async def test_a_deposit_without_financial_transaction_id_is_successful(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    """MTN's sandbox omits financialTransactionId from deposit results: SUCCESSFUL is still MoMo's word."""
    fake = FakeOperation(steps=contract.DEPOSIT, statuses=[ProviderStatus(status="SUCCESSFUL")])
    result = await _run(time_env, task_queue, DepositWorkflow, deposit_input(TIMING), fake)
    assert (result.status, result.financial_transaction_id, result.reason) == (PaymentStatus.SUCCESSFUL, None, None)
    assert (result.operation, result.product) == ("deposit", Product.DISBURSEMENT)
    assert fake.submitted[0].payload["request"]["payee"]["party_id"] == "46733123454"
    assert set(fake.status_queues) == {status_task_queue(task_queue, "disbursement")}


@pytest.mark.parametrize("reason", DEPOSIT_FAILURES)
async def test_each_documented_deposit_failure_ends_failed_with_its_reason(
    time_env: WorkflowEnvironment, task_queue: str, reason: str
) -> None:
    fake = FakeOperation(steps=contract.DEPOSIT, statuses=[ProviderStatus(status="FAILED", reason=reason)])
    result = await _run(time_env, task_queue, DepositWorkflow, deposit_input(TIMING), fake)
    assert (result.status, result.reason) == (PaymentStatus.FAILED, reason)


async def test_a_remittance_transfer_checks_status_on_the_remittance_queue(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake = FakeOperation(
        steps=contract.REMITTANCE_TRANSFER,
        statuses=[ProviderStatus(status="PENDING"), ProviderStatus(status="SUCCESSFUL", financial_transaction_id="42")],
    )
    result = await _run(time_env, task_queue, RemittanceTransferWorkflow, remittance_transfer_input(TIMING), fake)
    assert (result.status, result.financial_transaction_id) == (PaymentStatus.SUCCESSFUL, "42")
    assert (result.operation, result.product) == ("remittance_transfer", Product.REMITTANCE)
    # Every status check ran on the remittance queue, none on disbursement's or the main one.
    assert fake.status_queues and set(fake.status_queues) == {f"{task_queue}-status-remittance"}


@pytest.mark.parametrize("reason", REMITTANCE_FAILURES)
async def test_each_documented_remittance_failure_ends_failed_with_its_reason(
    time_env: WorkflowEnvironment, task_queue: str, reason: str
) -> None:
    fake = FakeOperation(steps=contract.REMITTANCE_TRANSFER, statuses=[ProviderStatus(status="FAILED", reason=reason)])
    result = await _run(time_env, task_queue, RemittanceTransferWorkflow, remittance_transfer_input(TIMING), fake)
    assert (result.status, result.reason) == (PaymentStatus.FAILED, reason)


async def test_a_remittance_transfer_refused_at_submit_sends_nothing_else(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    from temporalio.exceptions import ApplicationError

    fake = FakeOperation(
        steps=contract.REMITTANCE_TRANSFER,
        submit_error=ApplicationError("HTTP 500 INVALID_CURRENCY", type="INVALID_CURRENCY", non_retryable=True),
    )
    result = await _run(time_env, task_queue, RemittanceTransferWorkflow, remittance_transfer_input(TIMING), fake)
    assert (result.status, result.reason) == (PaymentStatus.FAILED, "INVALID_CURRENCY")
    assert fake.get_calls == fake.poll_calls == 0
