"""Webhook events on the time-skipping server: one per final status, stable ids, in order, retried for days."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from datetime import timedelta
from decimal import Decimal

from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from momoflow import contract
from momoflow import search_attributes as sa
from momoflow.contract import (
    ProviderStatus,
    WebhookAnnouncement,
    WebhookDeliveries,
    WebhookDispatch,
    WebhookRetry,
)
from momoflow.converter import DATA_CONVERTER
from momoflow.metrics import names
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming, Resolution
from momoflow.operations import RequestToPayInput, RequestToPayRequest
from tests.workflows.fakes import FakeOperation, workers
from tests.workflows.metering import metered_env
from tests.workflows.webhook_support import SETTINGS, ScriptedReceiver, webhook_workers
from workflows import patches
from workflows.request_to_pay import RequestToPayWorkflow
from workflows.webhook_delivery import WebhookDeliveryWorkflow
from workflows.webhook_events import event_id

PENDING = ProviderStatus(status="PENDING")
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="FT-1")
REJECTED = ProviderStatus(status="FAILED", reason="APPROVAL_REJECTED")
TIMING = PaymentTiming(
    callback_timeout_s=60,
    poll_interval_s=5,
    deadline_s=300,
    reconcile_initial_interval_s=60,
    reconcile_max_interval_s=600,
    reconcile_max_age_s=3600,
)
PAYER = "46733123454"


async def _start(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    request = RequestToPayRequest(
        amount=Decimal("500.00"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": PAYER},
        external_id="ORDER-1",
    )
    return await env.client.start_workflow(
        RequestToPayWorkflow.run,
        RequestToPayInput(request=request, timing=TIMING),
        id=f"rtp-{uuid.uuid4()}",
        task_queue=queue,
    )


async def _deliveries(env: WorkflowEnvironment, payment: WorkflowHandle, step_s: float = 5) -> WebhookDeliveries:
    """The delivery workflow's result. The test server does not skip time while an activity waits
    for its next retry, so time is skipped here by hand, ``step_s`` at a time."""
    handle = env.client.get_workflow_handle(contract.webhook_delivery_id(payment.id), result_type=WebhookDeliveries)
    for _ in range(10_000):
        try:
            if (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED:
                return await handle.result()
        except RPCError:
            pass  # not started yet
        await env.sleep(step_s)
    raise AssertionError("the delivery workflow never completed")


async def test_success_is_one_event_with_the_outcome_and_no_phone_number(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    receiver = ScriptedReceiver()
    async with webhook_workers(
        time_env, task_queue, [RequestToPayWorkflow], FakeOperation(statuses=[SUCCESS]).activities(), receiver
    ):
        payment = await _start(time_env, task_queue)
        state: PaymentState = await payment.result()
        done = await _deliveries(time_env, payment)
    assert state.status is PaymentStatus.SUCCESSFUL
    [event] = [d.event for d in done.dispatches]
    run_id = (await payment.describe()).run_id
    assert event.id == event_id(payment.id, run_id, 0, "payment.succeeded")
    assert (event.type, event.workflow_id, event.use_case) == ("payment.succeeded", payment.id, "request_to_pay")
    data = event.data
    assert (data.status, data.amount, data.currency, data.reference_id) == (
        "SUCCESSFUL",
        Decimal("500.00"),
        "EUR",
        state.reference_id,
    )
    assert (data.financial_transaction_id, data.external_id, data.party) == ("FT-1", "ORDER-1", None)
    assert PAYER not in event.model_dump_json()
    assert event.created == state.history[-1].at  # the workflow time of the status change
    assert [post.event.id for post in receiver.delivered] == [event.id]
    assert [r.state for r in done.records] == ["DELIVERED"]


async def test_failure_is_a_failed_event_with_the_reason_and_the_party_when_configured(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    settings = SETTINGS.model_copy(update={"include_party": True})
    receiver = ScriptedReceiver()
    fake = FakeOperation(statuses=[REJECTED])
    async with webhook_workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities(), receiver, settings):
        payment = await _start(time_env, task_queue)
        await payment.result()
        done = await _deliveries(time_env, payment)
    [event] = [d.event for d in done.dispatches]
    assert (event.type, event.data.status, event.data.reason) == ("payment.failed", "FAILED", "APPROVAL_REJECTED")
    assert event.data.party is not None and event.data.party.party_id == PAYER


async def test_unknown_then_resolution_are_two_events_delivered_in_order(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    # Each event fails five times (10+20+40+80+160 s of backoff): the resolution is queued while
    # the unknown event is still being retried, and must wait for it.
    receiver = ScriptedReceiver(failures=5)
    async with webhook_workers(
        time_env, task_queue, [RequestToPayWorkflow], FakeOperation(statuses=[PENDING]).activities(), receiver
    ):
        payment = await _start(time_env, task_queue)
        for _ in range(100):  # skip time only once the workflow runs (its deadline counts from then)
            if (await payment.query(RequestToPayWorkflow.status)).status is PaymentStatus.PENDING:
                break
            await asyncio.sleep(0.05)
        await time_env.sleep(TIMING.deadline_s + 5)
        for _ in range(100):
            if (await payment.query(RequestToPayWorkflow.status)).status is PaymentStatus.UNKNOWN:
                break
            await asyncio.sleep(0.05)
        await payment.execute_update(
            contract.RESOLVE_UPDATE,
            Resolution(status=PaymentStatus.SUCCESSFUL, operator="ops", reason="bank statement"),
        )
        await payment.result()
        done = await _deliveries(time_env, payment)
    run_id = (await payment.describe()).run_id
    types = [d.event.type for d in done.dispatches]
    assert types == ["payment.unknown", "payment.resolved"]
    assert [d.event.id for d in done.dispatches] == [event_id(payment.id, run_id, i, t) for i, t in enumerate(types)]
    assert done.dispatches[1].event.data.resolved_by == "ops"
    assert [post.event.type for post in receiver.delivered] == types
    # The resolution's first attempt came only after the unknown event was delivered.
    first_resolved = min(when for eid, _, _, when in receiver.attempts if eid == done.dispatches[1].event.id)
    last_unknown = max(when for eid, _, _, when in receiver.attempts if eid == done.dispatches[0].event.id)
    assert first_resolved >= last_unknown


async def test_momo_contradicting_a_resolution_is_a_discrepancy_event(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    # The operator says FAILED; the customer approves after all and MoMo moves the money. A merchant
    # that acted on payment.resolved must hear of it.
    fake = FakeOperation(statuses=[PENDING])
    receiver = ScriptedReceiver()
    async with webhook_workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities(), receiver):
        payment = await _start(time_env, task_queue)
        for _ in range(100):
            if (await payment.query(RequestToPayWorkflow.status)).status is PaymentStatus.PENDING:
                break
            await asyncio.sleep(0.05)
        await time_env.sleep(TIMING.deadline_s + 5)
        for _ in range(100):
            if (await payment.query(RequestToPayWorkflow.status)).status is PaymentStatus.UNKNOWN:
                break
            await asyncio.sleep(0.05)
        await payment.execute_update(
            contract.RESOLVE_UPDATE,
            Resolution(status=PaymentStatus.FAILED, operator="ops", reason="support: never debited"),
        )
        fake.statuses.append(SUCCESS)
        state: PaymentState = await payment.result()
        done = await _deliveries(time_env, payment)
    run_id = (await payment.describe()).run_id
    # The discrepancy comes long after the first two were delivered: a later run of the delivery workflow.
    assert [post.event.type for post in receiver.delivered] == [
        "payment.unknown",
        "payment.resolved",
        "payment.discrepancy",
    ]
    event = receiver.delivered[-1].event
    assert (
        [d.event.id for d in done.dispatches][-1] == event.id == event_id(payment.id, run_id, 2, "payment.discrepancy")
    )
    assert (event.data.status, event.data.resolved_by) == ("FAILED", "ops")  # the operator's decision stands
    assert event.data.discrepancy is not None and state.discrepancy is not None
    assert (event.data.discrepancy.status, event.data.discrepancy.financial_transaction_id) == (
        PaymentStatus.SUCCESSFUL,
        "FT-1",
    )


async def test_failed_attempts_are_retried_with_exponential_backoff(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    receiver = ScriptedReceiver(failures=4)
    async with webhook_workers(
        time_env, task_queue, [RequestToPayWorkflow], FakeOperation(statuses=[SUCCESS]).activities(), receiver
    ):
        payment = await _start(time_env, task_queue)
        await payment.result()
        done = await _deliveries(time_env, payment)
    times = [when for _, _, _, when in receiver.attempts]
    gaps = [round((b - a).total_seconds()) for a, b in itertools.pairwise(times)]
    # The test server stamps each attempt with the time its predecessor failed, so the gaps lag one
    # attempt behind the backoff: 10 s (WEBHOOK_RETRY_INITIAL_S), then doubling.
    assert gaps[1:] == [10, 20, 40]
    assert [r.state for r in done.records] == ["DELIVERED"]
    assert len(receiver.delivered) == 1


async def test_an_endpoint_that_never_answers_is_given_up_only_after_the_configured_period(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    settings = SETTINGS.model_copy(update={"retry_max_interval_s": 3600})
    receiver = ScriptedReceiver(always=503)
    async with webhook_workers(
        time_env, task_queue, [RequestToPayWorkflow], FakeOperation(statuses=[SUCCESS]).activities(), receiver, settings
    ):
        payment = await _start(time_env, task_queue)
        await payment.result()
        done = await _deliveries(time_env, payment, step_s=3600)
        described = await time_env.client.get_workflow_handle(contract.webhook_delivery_id(payment.id)).describe()
    created = done.dispatches[0].event.created
    [record] = done.records
    assert record.state == "FAILED"
    three_days = timedelta(days=3)
    assert record.finished_at - created >= three_days
    last_attempt = receiver.attempts[-1][3]
    # Still trying on the third day (stamps lag one attempt: see the backoff test).
    assert last_attempt - created >= three_days - timedelta(seconds=3600)
    assert described.typed_search_attributes.get(sa.WEBHOOK_STATE) == "FAILED"
    assert described.typed_search_attributes.get(sa.WEBHOOK_EVENT_IDS) == [done.dispatches[0].event.id]


async def test_gone_stops_at_once(time_env: WorkflowEnvironment, task_queue: str) -> None:
    receiver = ScriptedReceiver(always=410)
    async with webhook_workers(
        time_env, task_queue, [RequestToPayWorkflow], FakeOperation(statuses=[SUCCESS]).activities(), receiver
    ):
        payment = await _start(time_env, task_queue)
        await payment.result()
        done = await _deliveries(time_env, payment)
    assert [r.state for r in done.records] == ["GONE"] and len(receiver.attempts) == 1


async def test_a_replayed_payment_makes_the_same_event_and_a_repeated_enqueue_is_delivered_once(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    receiver = ScriptedReceiver()
    async with webhook_workers(
        time_env, task_queue, [RequestToPayWorkflow], FakeOperation(statuses=[SUCCESS]).activities(), receiver
    ):
        payment = await _start(time_env, task_queue)
        await payment.result()
        first = await _deliveries(time_env, payment)
        history = await payment.fetch_history()
        # Replaying the payment's history issues the same commands: the event (and its id) are the same.
        await Replayer(workflows=[RequestToPayWorkflow], data_converter=DATA_CONVERTER).replay_workflow(history)
        assert any(
            e.marker_recorded_event_attributes.marker_name == "core_patch"
            for e in history.events
            if e.HasField("marker_recorded_event_attributes")
        )
        # A delivery workflow told twice about one event (an enqueue retried) sends it once.
        event = first.dispatches[0].event
        dispatch = WebhookDispatch(
            event=event,
            endpoints=["https://merchant.test/hooks"],
            retry=WebhookRetry(initial_interval_s=1, max_interval_s=1, give_up_after_s=60, timeout_s=1),
        )
        other = f"webhook-test-{uuid.uuid4()}"
        handle = await time_env.client.start_workflow(
            WebhookDeliveryWorkflow.run,
            id=other,
            task_queue=task_queue,
            start_signal=contract.WEBHOOK_EVENT_SIGNAL,
            start_signal_args=[dispatch],
        )
        await handle.signal(contract.WEBHOOK_EVENT_SIGNAL, dispatch)
        again = await handle.result()
    assert len(again.records) == 1
    assert [p.event.id for p in receiver.delivered] == [event.id, event.id]  # once per workflow


async def test_without_webhooks_the_payment_history_is_unchanged(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    async with workers(time_env, task_queue, [RequestToPayWorkflow], FakeOperation(statuses=[SUCCESS]).activities()):
        payment = await _start(time_env, task_queue)
        await payment.result()
        history = await payment.fetch_history()
    markers = [
        e.marker_recorded_event_attributes for e in history.events if e.HasField("marker_recorded_event_attributes")
    ]
    patch_ids = [
        json.loads(m.details["patch-data"].payloads[0].data)["id"] for m in markers if m.marker_name == "core_patch"
    ]
    assert patch_ids == [patches.BASELINE]  # and so no marker of its own for WEBHOOK_EVENTS
    scheduled = [e.activity_task_scheduled_event_attributes.activity_type.name for e in history.events]
    assert contract.WEBHOOK_ENQUEUE not in scheduled


async def test_an_event_that_cannot_be_queued_for_an_hour_is_dropped_and_counted(task_queue: str) -> None:
    # Temporal is unreachable from the worker's enqueue step: it is retried for its hour, then the
    # event is dropped (the payment still ends normally) and counted for the alert.
    attempts: list[str] = []

    @activity.defn(name=contract.WEBHOOK_ENQUEUE)
    async def unreachable(announcement: WebhookAnnouncement) -> bool:
        attempts.append(announcement.event.type)
        raise RuntimeError("Temporal unreachable")

    fake = FakeOperation(statuses=[SUCCESS])
    async with (
        metered_env() as (env, metrics),
        workers(env, task_queue, [RequestToPayWorkflow], [unreachable, *fake.activities()], webhooks=SETTINGS),
    ):
        payment = await _start(env, task_queue)
        for _ in range(200):  # the test server skips no time between activity retries: skip it here
            if (await payment.describe()).status is WorkflowExecutionStatus.COMPLETED:
                break
            await env.sleep(60)
        state: PaymentState = await payment.result()
        dropped = metrics.of(names.WEBHOOK_EVENTS_DROPPED.name)
    assert state.status is PaymentStatus.SUCCESSFUL
    assert len(attempts) > 10 and set(attempts) == {"payment.succeeded"}
    assert [(value, attrs["use_case"], attrs["event_type"]) for value, attrs in dropped] == [
        (1, "request_to_pay", "payment.succeeded")
    ]
    assert metrics.total(names.OPERATIONS_FINISHED.name, status="SUCCESSFUL") == 1
