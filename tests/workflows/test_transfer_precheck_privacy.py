"""A transfer pre-check that could not be done says which check and MoMo's code, never the cause's text."""

from __future__ import annotations

import uuid

from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from momoflow import contract
from momoflow.models import PaymentState, PaymentStatus
from tests.workflows.cases import PAYER, TIMING, transfer_input
from tests.workflows.fakes import FakeOperation, workers
from tests.workflows.test_use_cases import SUCCESS, account_fakes
from workflows.transfer import TransferWorkflow

PHONE = PAYER["party_id"]


async def test_precheck_failure_message_holds_no_number(time_env: WorkflowEnvironment, task_queue: str) -> None:
    leaky = ApplicationError(
        f"HTTP 403 NOT_ALLOWED: holder {PHONE} may not receive",
        {"party": PHONE},
        type="NOT_ALLOWED",
        non_retryable=True,
    )
    fake = FakeOperation(steps=contract.TRANSFER, statuses=[SUCCESS])
    extra, _ = account_fakes("disbursement", leaky)
    async with workers(time_env, task_queue, [TransferWorkflow], [*fake.activities(), *extra]):
        handle = await time_env.client.start_workflow(
            TransferWorkflow.run,
            transfer_input(TIMING, check_payee=True),
            id=f"t-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result: PaymentState = await handle.result()
    assert (result.status, result.reason) == (PaymentStatus.FAILED, "PRECHECK_NOT_ALLOWED")
    message = result.reason_message or ""
    assert "payee check" in message and "NOT_ALLOWED" in message
    assert not any(ch.isdigit() for ch in message), message
    assert fake.submitted == []
