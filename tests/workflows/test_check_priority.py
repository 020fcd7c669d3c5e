"""Status checks carry a task-queue priority: a callback's check goes before background polls."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from momoflow import contract
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, CheckPriority, ProviderStatus
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming, ProviderCallback
from momoflow.operations import RequestToPayInput, RequestToPayRequest
from tests.workflows.cases import invoice_input
from tests.workflows.fakes import FakeOperation, workers
from workflows.invoice import InvoiceWorkflow
from workflows.request_to_pay import RequestToPayWorkflow

TIMING = PaymentTiming(callback_timeout_s=60, poll_interval_s=5, deadline_s=900)
PENDING = ProviderStatus(status="PENDING")
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="9")


async def _start(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    request = RequestToPayRequest(
        amount=Decimal("5"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123454"},
        external_id="P",
    )
    return await env.client.start_workflow(
        RequestToPayWorkflow.run,
        RequestToPayInput(request=request, timing=TIMING),
        id=f"rtp-{uuid.uuid4()}",
        task_queue=queue,
    )


async def _scheduled(handle: WorkflowHandle) -> list[tuple[str, int]]:
    """(activity name, priority key) of every activity the run scheduled, in order."""
    history = await handle.fetch_history()
    out = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = event.activity_task_scheduled_event_attributes
            out.append((attributes.activity_type.name, attributes.priority.priority_key))
    return out


async def test_callback_check_goes_before_polls(time_env: WorkflowEnvironment, task_queue: str) -> None:
    # No callback at first: the poll starts 5 s after submit and finds PENDING; then the
    # callback comes and its check (the second status call) finds SUCCESSFUL.
    fake = FakeOperation(statuses=[PENDING, SUCCESS])
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle = await _start(time_env, task_queue)
        while fake.poll_calls == 0:
            await time_env.sleep(1)
        state: PaymentState = await handle.query("status", result_type=PaymentState)
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=state.reference_id))
        result: PaymentState = await asyncio.wait_for(handle.result(), 30)
        scheduled = await _scheduled(handle)

    assert result.status is PaymentStatus.SUCCESSFUL
    steps = contract.REQUEST_TO_PAY
    assert scheduled == [
        (steps.submit, 0),  # submissions go to the main queue, unprioritized
        (steps.await_final, CheckPriority.POLL),
        (steps.get_status, CheckPriority.AFTER_CALLBACK),
    ]
    assert CheckPriority.AFTER_CALLBACK < CheckPriority.ONE_OFF < CheckPriority.POLL  # 1 is served first


async def test_an_invoice_cancellations_callback_check_goes_first(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    invoice = FakeOperation(
        steps=contract.INVOICE, statuses=[ProviderStatus(status="PENDING", details={"payment_reference": "1"})]
    )
    cancellation = FakeOperation(steps=contract.INVOICE_CANCELLATION)
    async with workers(time_env, task_queue, [InvoiceWorkflow], [*invoice.activities(), cancellation.activities()[0]]):
        handle = await time_env.client.start_workflow(
            InvoiceWorkflow.run, invoice_input(TIMING), id=f"i-{uuid.uuid4()}", task_queue=task_queue
        )
        while True:
            state: PaymentState = await handle.query("status", result_type=PaymentState)
            if state.status is PaymentStatus.PENDING and state.details:
                break
            await asyncio.sleep(0.05)
        cancel = asyncio.create_task(handle.execute_update(InvoiceWorkflow.cancel))
        while not cancellation.submitted:
            await asyncio.sleep(0.05)
        cancel_ref = cancellation.submitted_refs[0]
        invoice.by_reference[cancel_ref] = [ProviderStatus(status="SUCCESSFUL")]
        invoice.statuses.append(ProviderStatus(status="FAILED", reason="TRANSACTION_CANCELED"))
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=cancel_ref))
        await asyncio.wait_for(cancel, 30)
        await asyncio.wait_for(handle.result(), 30)
        history = await handle.fetch_history()

    cancel_checks = [
        event.activity_task_scheduled_event_attributes.priority.priority_key
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name == contract.INVOICE.get_status
        and cancel_ref in event.activity_task_scheduled_event_attributes.input.payloads[0].data.decode()
    ]
    assert cancel_checks == [CheckPriority.AFTER_CALLBACK]
