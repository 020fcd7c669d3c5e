"""After an operator's resolution the workflow keeps asking MoMo, and surfaces any disagreement.

Time-skipping server, MoMo scripted: the payment goes UNKNOWN, an operator
resolves it, then MoMo answers (or never does).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from momoflow import search_attributes as sa
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, ProviderStatus
from momoflow.metrics.names import RESOLUTION_CHECKS, RESOLUTION_DISCREPANCIES
from momoflow.models import PaymentState, PaymentStatus, ProviderCallback, Resolution, ResolutionCheck
from tests.workflows.cases import TIMING, rtp_input
from tests.workflows.fakes import FakeOperation, workers
from tests.workflows.metering import Metrics, metered_env
from workflows.request_to_pay import RequestToPayWorkflow

PENDING = ProviderStatus(status="PENDING")
TAKEN = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="FT-777")
REJECTED = ProviderStatus(status="FAILED", reason="APPROVAL_REJECTED")
NEVER_DEBITED = Resolution(status=PaymentStatus.FAILED, operator="alice", reason="MTN support: never debited")


@pytest_asyncio.fixture
async def metered() -> AsyncIterator[tuple[WorkflowEnvironment, Metrics]]:
    async with metered_env() as pair:
        yield pair


async def _unknown_then_resolved(
    env: WorkflowEnvironment, fake: FakeOperation, queue: str
) -> tuple[WorkflowHandle, PaymentState]:
    handle = await env.client.start_workflow(
        RequestToPayWorkflow.run, rtp_input(TIMING), id=f"rtp-{uuid.uuid4()}", task_queue=queue
    )
    await env.sleep(TIMING.deadline_s + 30)
    assert (await handle.query(RequestToPayWorkflow.status)).status is PaymentStatus.UNKNOWN
    resolved = await handle.execute_update(RequestToPayWorkflow.resolve, NEVER_DEBITED)
    return handle, resolved


async def test_momo_taking_the_money_after_a_failed_resolution_is_a_discrepancy(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str
) -> None:
    env, metrics = metered
    fake = FakeOperation(statuses=[PENDING])
    async with workers(env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle, resolved = await _unknown_then_resolved(env, fake, task_queue)
        # The operator gets the resolved state at once; the workflow stays open and keeps asking.
        assert (resolved.status, resolved.reason, resolved.resolved_by) == (
            PaymentStatus.FAILED,
            "RESOLVED_BY_OPERATOR",
            "alice",
        )
        assert resolved.resolution_check is ResolutionCheck.CHECKING and resolved.discrepancy is None
        assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING

        fake.statuses.append(TAKEN)  # the customer approves after all; MoMo moves the money
        result: PaymentState = await handle.result()
        state: PaymentState = await handle.query(RequestToPayWorkflow.status)
        attributes = (await handle.describe()).typed_search_attributes

    for seen in (result, state):
        assert seen.status is PaymentStatus.FAILED  # the operator's decision stays, flagged
        assert seen.resolution_check is ResolutionCheck.CONTRADICTED
        assert seen.discrepancy is not None
        assert (seen.discrepancy.status, seen.discrepancy.financial_transaction_id) == (
            PaymentStatus.SUCCESSFUL,
            "FT-777",
        )
        assert seen.discrepancy.seen_at > seen.history[-1].at  # after the resolution
    assert attributes.get(sa.DISCREPANCY) == "SUCCESSFUL"
    assert attributes.get(sa.STATUS) == "FAILED"
    assert (
        metrics.total(
            RESOLUTION_DISCREPANCIES.name,
            use_case="request_to_pay",
            operator_status="FAILED",
            provider_status="SUCCESSFUL",
        )
        == 1
    )
    assert metrics.total(RESOLUTION_CHECKS.name, outcome="CONTRADICTED") == 1


async def test_a_callback_after_the_resolution_is_checked_at_once(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str
) -> None:
    env, metrics = metered
    fake = FakeOperation(statuses=[PENDING])
    async with workers(env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle, resolved = await _unknown_then_resolved(env, fake, task_queue)
        # Signal once the follow-up poll runs: the time-skipping server loses a cancel sent
        # before the activity was dispatched ("ACTIVITY_UNKNOWN"); the real server does not.
        resolved_at = resolved.history[-1].at
        for _ in range(100):
            if any(at >= resolved_at for at in fake.poll_times):
                break
            await asyncio.sleep(0.05)
        fake.statuses.append(TAKEN)
        gets = fake.get_calls
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=resolved.reference_id))
        result: PaymentState = await handle.result()
    assert result.discrepancy is not None and result.discrepancy.status is PaymentStatus.SUCCESSFUL
    assert fake.get_calls == gets + 1  # the callback's GET found it, not a later poll


async def test_momo_agreeing_with_the_operator_is_recorded_without_discrepancy(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str
) -> None:
    env, metrics = metered
    fake = FakeOperation(statuses=[PENDING])
    async with workers(env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle, _ = await _unknown_then_resolved(env, fake, task_queue)
        fake.statuses.append(REJECTED)
        result: PaymentState = await handle.result()
        attributes = (await handle.describe()).typed_search_attributes

    assert (result.status, result.resolution_check, result.discrepancy) == (
        PaymentStatus.FAILED,
        ResolutionCheck.CONFIRMED,
        None,
    )
    assert result.provider_answer is not None and result.provider_answer.reason == "APPROVAL_REJECTED"
    assert attributes.get(sa.DISCREPANCY) is None
    assert metrics.total(RESOLUTION_DISCREPANCIES.name) == 0
    assert metrics.total(RESOLUTION_CHECKS.name, outcome="CONFIRMED") == 1


async def test_without_an_answer_the_run_ends_at_the_reconciliation_max_age(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake = FakeOperation(statuses=[PENDING])
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle, _ = await _unknown_then_resolved(time_env, fake, task_queue)
        polls = fake.poll_calls
        result: PaymentState = await handle.result()
        closed = (await handle.describe()).close_time
    assert (result.status, result.resolution_check, result.discrepancy) == (
        PaymentStatus.FAILED,
        ResolutionCheck.NO_ANSWER,
        None,
    )
    assert fake.poll_calls > polls  # it kept asking after the resolution
    unknown_at = next(change.at for change in result.history if change.status is PaymentStatus.UNKNOWN)
    assert closed is not None
    assert abs((closed - unknown_at).total_seconds() - TIMING.reconcile_max_age_s) < 120
