"""DeliveryNotification on the time-skipping server.

Its payment is read by the real lookup activity (the worker's Temporal client) from a
real RequestToPay workflow run against a scripted MoMo; the note's POST is scripted with
each answer MTN documents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.delivery_notification import PaymentOutcomeActivities
from momoflow import contract
from momoflow.contract import DeliveryNote, DeliveryNotificationResult, ProviderStatus
from momoflow.operations import DeliveryNotificationInput
from tests.workflows.cases import TIMING, rtp_input, transfer_input
from tests.workflows.fakes import FakeOperation, workers
from workflows.delivery_notification import DeliveryNotificationWorkflow
from workflows.request_to_pay import RequestToPayWorkflow
from workflows.transfer import TransferWorkflow

SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="777")


@dataclass
class FakeNotifier:
    """MoMo's deliverynotification endpoint: ``errors`` are raised by successive calls, then 200."""

    errors: list[ApplicationError] = field(default_factory=list)
    notes: list[DeliveryNote] = field(default_factory=list)
    attempts: int = 0

    def activity(self) -> Any:
        @activity.defn(name=contract.NOTIFY_DELIVERY)
        async def notify(note: DeliveryNote) -> bool:
            self.attempts += 1
            if self.errors:
                raise self.errors.pop(0)
            self.notes.append(note)
            return True

        return notify


async def _payment(env: WorkflowEnvironment, queue: str, wait: bool = True) -> tuple[str, Any]:
    """A Request to Pay run against the scripted MoMo: its workflow id and, once it ended, its state."""
    handle = await env.client.start_workflow(
        RequestToPayWorkflow.run, rtp_input(TIMING), id=f"rtp-{uuid.uuid4()}", task_queue=queue
    )
    state = await handle.result() if wait else None
    return handle.id, state


def _activities(env: WorkflowEnvironment, fake: FakeOperation, notifier: FakeNotifier) -> list[Any]:
    return [*fake.activities(), *PaymentOutcomeActivities(env.client).all(), notifier.activity()]


async def _notify(
    env: WorkflowEnvironment, queue: str, payment_id: str, message: str = "Receipt R-1"
) -> DeliveryNotificationResult:
    return await env.client.execute_workflow(
        DeliveryNotificationWorkflow.run,
        DeliveryNotificationInput(payment_workflow_id=payment_id, message=message, language="en"),
        id=f"notify-{payment_id}-{uuid.uuid4().hex[:8]}",
        task_queue=queue,
        result_type=DeliveryNotificationResult,
    )


async def _refused(
    env: WorkflowEnvironment, queue: str, payment_id: str, message: str = "Receipt R-1"
) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as info:
        await _notify(env, queue, payment_id, message)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError) and cause.non_retryable
    return cause


WORKFLOWS = [RequestToPayWorkflow, DeliveryNotificationWorkflow, TransferWorkflow]


async def test_a_successful_payment_gets_its_note(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake, notifier = FakeOperation(statuses=[SUCCESS]), FakeNotifier()
    async with workers(time_env, task_queue, WORKFLOWS, _activities(time_env, fake, notifier)):
        payment_id, state = await _payment(time_env, task_queue)
        result = await _notify(time_env, task_queue, payment_id)
    assert notifier.notes == [DeliveryNote(reference_id=state.reference_id, message="Receipt R-1", language="en")]
    assert (result.payment_workflow_id, result.reference_id, result.financial_transaction_id) == (
        payment_id,
        state.reference_id,
        "777",
    )


async def test_a_failed_payment_is_refused_naming_its_state(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake, notifier = (
        FakeOperation(statuses=[ProviderStatus(status="FAILED", reason="APPROVAL_REJECTED")]),
        FakeNotifier(),
    )
    async with workers(time_env, task_queue, WORKFLOWS, _activities(time_env, fake, notifier)):
        payment_id, _ = await _payment(time_env, task_queue)
        refusal = await _refused(time_env, task_queue, payment_id)
    assert refusal.type == "PAYMENT_NOT_SUCCESSFUL"
    assert "is FAILED (APPROVAL_REJECTED)" in refusal.message
    assert notifier.attempts == 0


async def test_a_payment_still_pending_is_refused_naming_its_state(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake, notifier = FakeOperation(statuses=[ProviderStatus(status="PENDING")]), FakeNotifier()
    async with workers(time_env, task_queue, WORKFLOWS, _activities(time_env, fake, notifier)):
        payment_id, _ = await _payment(time_env, task_queue, wait=False)
        refusal = await _refused(time_env, task_queue, payment_id)
    assert refusal.type == "PAYMENT_NOT_SUCCESSFUL"
    assert "is SUBMITTING" in refusal.message or "is PENDING" in refusal.message
    assert notifier.attempts == 0


async def test_unknown_payment_and_other_workflow_types_are_refused(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake, notifier = FakeOperation(steps=contract.TRANSFER, statuses=[SUCCESS]), FakeNotifier()
    async with workers(time_env, task_queue, WORKFLOWS, _activities(time_env, fake, notifier)):
        missing = await _refused(time_env, task_queue, f"rtp-{uuid.uuid4()}")
        # A transfer whose id merely looks like a payment's (callers choose ids).
        transfer_id = f"rtp-transfer-{uuid.uuid4()}"
        await time_env.client.execute_workflow(
            TransferWorkflow.run, transfer_input(TIMING), id=transfer_id, task_queue=task_queue
        )
        other = await _refused(time_env, task_queue, transfer_id)
    assert missing.type == "PAYMENT_NOT_FOUND" and "no payment" in missing.message
    assert other.type == "NOT_A_REQUEST_TO_PAY" and "is a Transfer" in other.message
    assert notifier.attempts == 0


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ApplicationError("409", type="NOT_COMPLETED", non_retryable=True), "NOT_COMPLETED"),
        (ApplicationError("410", type="NOTIFICATION_EXPIRED", non_retryable=True), "NOTIFICATION_EXPIRED"),
        (ApplicationError("404", type="RESOURCE_NOT_FOUND", non_retryable=True), "RESOURCE_NOT_FOUND"),
        (ApplicationError("400", type="BAD_REQUEST", non_retryable=True), "BAD_REQUEST"),
    ],
)
async def test_momos_refusals_end_it_at_once_with_their_code(
    time_env: WorkflowEnvironment, task_queue: str, error: ApplicationError, expected: str
) -> None:
    fake, notifier = FakeOperation(statuses=[SUCCESS]), FakeNotifier(errors=[error])
    async with workers(time_env, task_queue, WORKFLOWS, _activities(time_env, fake, notifier)):
        payment_id, _ = await _payment(time_env, task_queue)
        refusal = await _refused(time_env, task_queue, payment_id)
    assert refusal.type == expected
    assert notifier.attempts == 1


async def test_429_and_500_are_retried_after_momos_delay(time_env: WorkflowEnvironment, task_queue: str) -> None:
    errors = [
        ApplicationError("429", type="TOO_MANY_REQUESTS", next_retry_delay=timedelta(seconds=5)),
        ApplicationError("500", type="INTERNAL_PROCESSING_ERROR"),
    ]
    fake, notifier = FakeOperation(statuses=[SUCCESS]), FakeNotifier(errors=errors)
    async with workers(time_env, task_queue, WORKFLOWS, _activities(time_env, fake, notifier)):
        payment_id, state = await _payment(time_env, task_queue)
        result = await _notify(time_env, task_queue, payment_id)
    assert notifier.attempts == 3 and len(notifier.notes) == 1
    assert result.reference_id == state.reference_id


async def test_a_note_momo_cannot_carry_is_refused_before_anything_is_read(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake, notifier = FakeOperation(statuses=[SUCCESS]), FakeNotifier()
    async with workers(time_env, task_queue, WORKFLOWS, _activities(time_env, fake, notifier)):
        payment_id, _ = await _payment(time_env, task_queue)
        refusal = await _refused(time_env, task_queue, payment_id, message="Reçu n° 5")
    assert refusal.type == contract.INVALID_REQUEST and "message" in refusal.message
    assert notifier.attempts == 0
