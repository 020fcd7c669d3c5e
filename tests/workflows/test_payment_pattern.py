"""The payment pattern, checked on every asynchronous workflow (time-skipping server, MoMo scripted)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from momoflow import search_attributes as sa
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, ProviderStatus
from momoflow.models import PaymentState, PaymentStatus, ProviderCallback
from tests.workflows.cases import CASES, TIMING, Case
from tests.workflows.fakes import FakeOperation, workers

PENDING = ProviderStatus(status="PENDING")
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="555")
FAILED = ProviderStatus(status="FAILED", reason="NOT_ENOUGH_FUNDS")

pytestmark = pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)


async def _start(env: WorkflowEnvironment, queue: str, case: Case) -> WorkflowHandle:
    return await env.client.start_workflow(
        case.workflow.run, case.make_input(TIMING), id=f"{case.name}-{uuid.uuid4()}", task_queue=queue
    )


async def _pending(handle: WorkflowHandle) -> PaymentState:
    for _ in range(200):
        state: PaymentState = await handle.query("status", result_type=PaymentState)
        if state.status is PaymentStatus.PENDING:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"never pending: {state.status}")


async def _until_status(handle: WorkflowHandle, status: PaymentStatus) -> PaymentState:
    """The state once it shows ``status``: the task that applies a fired timer may still be running."""
    for _ in range(100):
        state: PaymentState = await handle.query("status", result_type=PaymentState)
        if state.status is status:
            return state
        await asyncio.sleep(0.05)
    return state


async def test_callback_is_verified_by_get(time_env: WorkflowEnvironment, task_queue: str, case: Case) -> None:
    fake = FakeOperation(steps=case.steps, statuses=[PENDING, SUCCESS] if case.name == "invoice" else [SUCCESS])
    async with workers(time_env, task_queue, [case.workflow], fake.activities()):
        handle = await _start(time_env, task_queue, case)
        state = await _pending(handle)
        await handle.signal(
            PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=state.reference_id, status="FAILED")
        )
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.SUCCESSFUL  # the GET, not the callback's claim
    assert result.history[-1].source == "callback"
    assert fake.submitted_refs == [result.reference_id]
    assert result.operation == case.operation


async def test_no_callback_means_polling(time_env: WorkflowEnvironment, task_queue: str, case: Case) -> None:
    fake = FakeOperation(steps=case.steps, statuses=[PENDING, PENDING, PENDING, FAILED])
    async with workers(time_env, task_queue, [case.workflow], fake.activities()):
        result: PaymentState = await (await _start(time_env, task_queue, case)).result()
    assert (result.status, result.reason) == (PaymentStatus.FAILED, "NOT_ENOUGH_FUNDS")
    assert result.history[-1].source == "poll"
    assert fake.poll_calls >= 3


async def test_refusal_at_submit_fails_without_retry(
    time_env: WorkflowEnvironment, task_queue: str, case: Case
) -> None:
    refusal = ApplicationError("HTTP 500 NOT_ALLOWED: not allowed", type="NOT_ALLOWED", non_retryable=True)
    fake = FakeOperation(steps=case.steps, submit_error=refusal)
    async with workers(time_env, task_queue, [case.workflow], fake.activities()):
        result: PaymentState = await (await _start(time_env, task_queue, case)).result()
    assert (result.status, result.reason) == (PaymentStatus.FAILED, "NOT_ALLOWED")
    assert len(fake.submitted) == 1 and fake.get_calls == fake.poll_calls == 0


async def test_lost_response_is_resent_with_the_same_reference(
    time_env: WorkflowEnvironment, task_queue: str, case: Case
) -> None:
    fake = FakeOperation(steps=case.steps, statuses=[SUCCESS], submit_transient_failures=2)
    async with workers(time_env, task_queue, [case.workflow], fake.activities()):
        result: PaymentState = await (await _start(time_env, task_queue, case)).result()
    assert result.status is PaymentStatus.SUCCESSFUL
    assert fake.submitted_refs == [result.reference_id] * 3


async def test_deadline_without_answer_is_unknown(time_env: WorkflowEnvironment, task_queue: str, case: Case) -> None:
    fake = FakeOperation(steps=case.steps, statuses=[PENDING])
    async with workers(time_env, task_queue, [case.workflow], fake.activities()):
        handle = await _start(time_env, task_queue, case)
        # Skip time only once the workflow has run: its deadline is counted from its first task,
        # and a skip that begins before that task moves the deadline along with it.
        await _pending(handle)
        await time_env.sleep(TIMING.deadline_s + 30)
        state = await _until_status(handle, PaymentStatus.UNKNOWN)
        assert state.status is PaymentStatus.UNKNOWN
        assert (await handle.describe()).typed_search_attributes.get(sa.STATUS) == "UNKNOWN"
        fake.statuses.append(SUCCESS)
        result: PaymentState = await handle.result()
    assert result.status is PaymentStatus.SUCCESSFUL
    assert result.history[-1].source == "reconciliation"
