"""Cancelling an invoice is safe to repeat: one DELETE, and every caller gets that cancellation."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from momoflow import contract as names
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, ProviderStatus
from momoflow.models import PaymentState, PaymentStatus, ProviderCallback
from momoflow.settings import TemporalSettings
from starter.facade import Momoflow, StartError
from tests.workflows.cases import TIMING, invoice_input
from tests.workflows.fakes import FakeOperation, workers
from workflows.invoice import InvoiceWorkflow

OPEN_INVOICE = ProviderStatus(status="PENDING", details={"payment_reference": "1165387997"})
CANCELLED_INVOICE = ProviderStatus(status="FAILED", reason="TRANSACTION_CANCELED")


def _facade(env: WorkflowEnvironment, queue: str) -> Momoflow:
    return Momoflow(env.client, TemporalSettings(task_queue=queue))


async def _open_invoice(env: WorkflowEnvironment, queue: str) -> tuple[WorkflowHandle, PaymentState]:
    handle = await env.client.start_workflow(
        InvoiceWorkflow.run, invoice_input(TIMING), id=f"i-{uuid.uuid4()}", task_queue=queue
    )
    for _ in range(200):
        state: PaymentState = await handle.query("status", result_type=PaymentState)
        if state.status is PaymentStatus.PENDING and state.details:
            return handle, state
        await asyncio.sleep(0.05)
    raise AssertionError("invoice never opened")


async def _until_submitted(cancellation: FakeOperation) -> str:
    for _ in range(200):
        if cancellation.submitted:
            return cancellation.submitted_refs[0]
        await asyncio.sleep(0.05)
    raise AssertionError("the cancellation was never sent")


async def test_a_lost_cancel_call_can_be_repeated(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(steps=names.INVOICE, statuses=[OPEN_INVOICE])
    cancellation = FakeOperation(steps=names.INVOICE_CANCELLATION)
    async with workers(time_env, task_queue, [InvoiceWorkflow], [*fake.activities(), cancellation.activities()[0]]):
        handle, _ = await _open_invoice(time_env, task_queue)
        invoice = _facade(time_env, task_queue).invoice(handle.id)

        # The caller gives up (its own timeout, a dropped connection) after MoMo got the DELETE.
        first = asyncio.create_task(invoice.cancel())
        cancel_ref = await _until_submitted(cancellation)
        first.cancel()
        with pytest.raises((asyncio.CancelledError, WorkflowUpdateRPCTimeoutOrCancelledError)):
            await first

        # It asks again; so do a second process and a caller that sends its own update id.
        again = asyncio.create_task(invoice.cancel())
        other_process = asyncio.create_task(_facade(time_env, task_queue).invoice(handle.id).cancel())
        own_update_id = asyncio.create_task(handle.execute_update(InvoiceWorkflow.cancel))
        await asyncio.sleep(0.5)
        assert not any(task.done() for task in (again, other_process, own_update_id))  # all wait for the outcome

        fake.by_reference[cancel_ref] = [ProviderStatus(status="SUCCESSFUL")]
        fake.statuses.append(CANCELLED_INVOICE)
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=cancel_ref))
        answers = await asyncio.gather(again, other_process, own_update_id)
        final: PaymentState = await handle.result()

        # After the invoice ended because of it, a repeat returns the final state.
        after_end = await invoice.cancel()

    assert len(cancellation.submitted) == 1  # one DELETE at MoMo
    for answer in answers:
        assert answer.details["cancellation_reference_id"] == cancel_ref
        assert answer.details["cancellation_status"] == "SUCCESSFUL"
    assert (final.status, final.reason) == (PaymentStatus.FAILED, "TRANSACTION_CANCELED")
    assert after_end.model_dump() == final.model_dump()


async def test_a_refused_cancellation_is_what_a_repeat_returns(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(steps=names.INVOICE, statuses=[OPEN_INVOICE])
    refusal = ApplicationError("HTTP 404 RESOURCE_NOT_FOUND", type="RESOURCE_NOT_FOUND", non_retryable=True)
    cancellation = FakeOperation(steps=names.INVOICE_CANCELLATION, submit_error=refusal)
    async with workers(time_env, task_queue, [InvoiceWorkflow], [*fake.activities(), cancellation.activities()[0]]):
        handle, _ = await _open_invoice(time_env, task_queue)
        invoice = _facade(time_env, task_queue).invoice(handle.id)
        first = await invoice.cancel()
        again = await invoice.cancel()
        await handle.terminate()
    assert (first.details["cancellation_status"], first.details["cancellation_reason"]) == (
        "FAILED",
        "RESOURCE_NOT_FOUND",
    )
    assert again.details == first.details
    assert len(cancellation.submitted) == 1


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (ProviderStatus(status="SUCCESSFUL", financial_transaction_id="77"), r"this one is SUCCESSFUL \(paid\)"),
        (ProviderStatus(status="FAILED", reason="EXPIRED"), r"this one is FAILED \(EXPIRED\)"),
    ],
)
async def test_cancel_of_an_ended_invoice_names_its_state(
    time_env: WorkflowEnvironment, task_queue: str, answer: ProviderStatus, named: str
) -> None:
    fake = FakeOperation(steps=names.INVOICE, statuses=[OPEN_INVOICE, answer])
    cancellation = FakeOperation(steps=names.INVOICE_CANCELLATION)
    async with workers(time_env, task_queue, [InvoiceWorkflow], [*fake.activities(), cancellation.activities()[0]]):
        handle, state = await _open_invoice(time_env, task_queue)
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=state.reference_id))
        await handle.result()
        with pytest.raises(StartError, match=f"status: only an open invoice can be cancelled; {named}"):
            await _facade(time_env, task_queue).invoice(handle.id).cancel()
    assert not cancellation.submitted


async def test_cancel_of_an_unknown_invoice_names_it(time_env: WorkflowEnvironment, task_queue: str) -> None:
    with pytest.raises(StartError, match="workflow_id: there is no invoice 'invoice-NOPE'"):
        await _facade(time_env, task_queue).invoice("invoice-NOPE").cancel()
