"""RequestToPay on the time-skipping server, with MoMo's side scripted."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from momoflow import search_attributes as sa
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, ProviderStatus, status_task_queue
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming, ProviderCallback, Resolution
from momoflow.operations import RequestToPayInput, RequestToPayRequest
from tests.workflows.fakes import FakeOperation as FakeCollection
from tests.workflows.fakes import workers
from workflows.request_to_pay import RequestToPayWorkflow

PENDING = ProviderStatus(status="PENDING")
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="987654321")
REJECTED = ProviderStatus(status="FAILED", reason="APPROVAL_REJECTED")

TIMING = PaymentTiming(
    callback_timeout_s=60,
    poll_interval_s=5,
    deadline_s=300,
    reconcile_initial_interval_s=60,
    reconcile_max_interval_s=600,
    reconcile_max_age_s=3600,
)


def _input(timing: PaymentTiming = TIMING) -> RequestToPayInput:
    request = RequestToPayRequest(
        amount=Decimal("500.00"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123454"},
        external_id="ORDER-1",
    )
    return RequestToPayInput(request=request, timing=timing)


async def _start(env: WorkflowEnvironment, queue: str, timing: PaymentTiming = TIMING) -> WorkflowHandle:
    return await env.client.start_workflow(
        RequestToPayWorkflow.run, _input(timing), id=f"rtp-{uuid.uuid4()}", task_queue=queue
    )


async def _callback(handle: WorkflowHandle, reference_id: str, status: str = "SUCCESSFUL") -> None:
    await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=reference_id, status=status))


async def _state(handle: WorkflowHandle) -> PaymentState:
    return await handle.query(RequestToPayWorkflow.status)


async def _wait_status(handle: WorkflowHandle, status: PaymentStatus) -> PaymentState:
    for _ in range(200):
        state = await _state(handle)
        if state.status is status:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached {status}; last {state.status}")


def _worker(env: WorkflowEnvironment, queue: str, fake: FakeCollection):  # type: ignore[no-untyped-def]
    return workers(env, queue, [RequestToPayWorkflow], fake.activities())


async def test_callback_path_verifies_by_get_and_succeeds(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[SUCCESS])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        pending = await _wait_status(handle, PaymentStatus.PENDING)
        await _callback(handle, pending.reference_id)
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.SUCCESSFUL
    assert result.financial_transaction_id == "987654321"
    assert result.history[-1].source == "callback"
    assert fake.get_calls == 1 and fake.poll_calls == 0
    assert fake.submitted_refs == [result.reference_id]
    uuid.UUID(result.reference_id, version=4)


async def test_no_callback_falls_back_to_polling(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[PENDING, PENDING, SUCCESS])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.SUCCESSFUL
    assert result.history[-1].source == "poll"
    assert fake.poll_calls == 3 and fake.get_calls == 0
    # Retry-as-poll: the pending answers did not add events per poll (the bound counts the
    # pattern's commands and one version marker per patch).
    events = [e async for e in handle.fetch_history_events()]
    assert len(events) < 45


async def test_lost_submit_response_then_409_is_accepted_once(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[SUCCESS], submit_transient_failures=2)
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.SUCCESSFUL
    # Every attempt used the reference id chosen in the workflow; the last one was "already accepted".
    assert fake.submitted_refs == [result.reference_id] * 3
    assert fake.created == [False]


async def test_business_rejection_fails_with_providers_reason(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(
        submit_error=ApplicationError(
            "HTTP 500 INVALID_CURRENCY: Currency not supported.", type="INVALID_CURRENCY", non_retryable=True
        )
    )
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.FAILED
    assert result.reason == "INVALID_CURRENCY"
    assert "Currency not supported" in (result.reason_message or "")
    assert len(fake.submitted_refs) == 1  # not retried
    assert fake.get_calls == fake.poll_calls == 0


async def test_provider_failure_is_reported_with_its_reason(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[REJECTED])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        result: PaymentState = await handle.result()
    assert (result.status, result.reason) == (PaymentStatus.FAILED, "APPROVAL_REJECTED")


async def test_deadline_without_answer_is_unknown_then_reconciled(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake = FakeCollection(statuses=[PENDING])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        await time_env.sleep(TIMING.deadline_s + 30)
        state = await _state(handle)
        assert state.status is PaymentStatus.UNKNOWN  # never FAILED without the provider saying so
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.STATUS) == "UNKNOWN"
        polls_at_deadline = fake.poll_calls

        # An hour later the checks have slowed down: intervals double from 60 s up to 600 s.
        await time_env.sleep(1800)
        assert 3 <= fake.poll_calls - polls_at_deadline <= 8

        fake.statuses.append(SUCCESS)
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.SUCCESSFUL
    assert [c.status for c in result.history][-2:] == [PaymentStatus.UNKNOWN, PaymentStatus.SUCCESSFUL]
    assert result.history[-1].source == "reconciliation"


async def test_unknown_payment_resolved_by_operator(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[PENDING])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        with pytest.raises(WorkflowUpdateFailedError):  # only UNKNOWN payments can be resolved
            await handle.execute_update(
                RequestToPayWorkflow.resolve, Resolution(status=PaymentStatus.FAILED, operator="ops", reason="early")
            )
        await time_env.sleep(TIMING.deadline_s + 30)
        await handle.execute_update(
            RequestToPayWorkflow.resolve,
            Resolution(status=PaymentStatus.FAILED, operator="alice", reason="MTN support ticket 42: never debited"),
        )
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.FAILED
    assert result.reason == "RESOLVED_BY_OPERATOR"
    assert result.resolved_by == "alice"
    assert result.history[-1].source == "operator:alice"


async def test_duplicate_late_and_foreign_callbacks_change_nothing(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake = FakeCollection(statuses=[SUCCESS])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        pending = await _wait_status(handle, PaymentStatus.PENDING)
        await _callback(handle, str(uuid.uuid4()), "FAILED")  # another payment's reference id
        for _ in range(3):
            await _callback(handle, pending.reference_id)
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.SUCCESSFUL
    assert result.callbacks_received == 3
    assert fake.get_calls == 1  # the duplicates triggered no further checks
    with pytest.raises(RPCError) as ended:  # a callback after the end reaches nothing
        await _callback(handle, pending.reference_id)
    assert ended.value.status is RPCStatusCode.NOT_FOUND


async def test_lying_callback_is_overruled_by_get(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[PENDING, REJECTED])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue)
        pending = await _wait_status(handle, PaymentStatus.PENDING)
        await _callback(handle, pending.reference_id, "SUCCESSFUL")
        result: PaymentState = await handle.result()

    assert (result.status, result.reason) == (PaymentStatus.FAILED, "APPROVAL_REJECTED")
    assert fake.get_calls == 1 and fake.poll_calls >= 1


async def test_callback_during_polling_triggers_an_immediate_check(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    timing = TIMING.model_copy(update={"poll_interval_s": 120})
    fake = FakeCollection(statuses=[PENDING])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue, timing)
        await time_env.sleep(timing.callback_timeout_s + 10)  # now polling, next poll in ~2 minutes
        state = await _state(handle)
        assert state.status is PaymentStatus.PENDING and fake.poll_calls >= 1
        fake.statuses.append(SUCCESS)
        await _callback(handle, state.reference_id)
        result: PaymentState = await handle.result()

    assert result.status is PaymentStatus.SUCCESSFUL
    assert fake.get_calls == 1  # the callback's own check found the answer
    assert result.history[-1].source == "poll"


async def test_reconciliation_slows_from_seconds_to_hours_and_history_stays_small(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    timing = PaymentTiming(callback_timeout_s=60, poll_interval_s=5, deadline_s=300, reconcile_max_age_s=3 * 24 * 3600)
    fake = FakeCollection(statuses=[PENDING])
    async with _worker(time_env, task_queue, fake):
        handle = await _start(time_env, task_queue, timing)
        await time_env.sleep(timing.deadline_s + 2 * 24 * 3600)  # two days of reconciliation
        state = await _state(handle)
        assert state.status is PaymentStatus.UNKNOWN
        events = [e async for e in handle.fetch_history_events()]
        result: PaymentState = await handle.result()  # the maximum age passes

    # Polling starts one poll interval after submit; reconciliation within a second of the deadline.
    deadline = fake.poll_times[0] + timedelta(seconds=timing.deadline_s - timing.poll_interval_s - 2)
    # (The last poll and the first reconciliation check can meet at the deadline: skip that join.)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(fake.poll_times) if a >= deadline]
    gaps = [gap for gap in gaps if gap >= 1]
    assert gaps[0] == pytest.approx(30, abs=1)  # seconds…
    assert any(60 <= gap < 3600 for gap in gaps)  # …then minutes…
    assert max(gaps) == pytest.approx(3600, abs=5)  # …then hourly, never slower
    assert all(later >= earlier - 1 for earlier, later in itertools.pairwise(gaps))  # never faster again
    # Retry-as-poll: over eighty checks, a fixed few dozen history events (the pattern's
    # commands and its version markers), however many checks there are.
    assert fake.poll_calls > 80 and len(events) < 60
    assert result.status is PaymentStatus.UNKNOWN  # still unknown: left for an operator, never FAILED
    assert result.history[-1].source == "deadline"


async def test_caller_cannot_route_status_checks_around_the_rate_limit(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    """An input naming a queue no worker serves still gets its checks on the worker's status queue."""
    fake = FakeCollection(
        statuses=[ProviderStatus(status="PENDING"), ProviderStatus(status="SUCCESSFUL", financial_transaction_id="7")]
    )
    request = RequestToPayInput.model_validate(
        {**_input(TIMING).model_dump(mode="json"), "status_task_queue": "a-queue-no-worker-serves"}
    )
    async with _worker(time_env, task_queue, fake):
        handle = await time_env.client.start_workflow(
            RequestToPayWorkflow.run, request, id=f"rtp-{uuid.uuid4()}", task_queue=task_queue
        )
        result = await handle.result()
    assert result.status is PaymentStatus.SUCCESSFUL
    assert fake.status_queues and set(fake.status_queues) == {status_task_queue(task_queue, "collection")}
