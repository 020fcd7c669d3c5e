"""The backend facade: idempotent starts, clear input errors, answers with a deadline."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from momoflow import search_attributes as sa
from momoflow.contract import ProviderStatus
from momoflow.converter import DATA_CONVERTER
from momoflow.models import PaymentStatus, PaymentTiming
from momoflow.settings import PaymentDefaults, TemporalSettings
from starter.facade import IdempotencyConflict, Momoflow, StartError
from tests.workflows.fakes import FakeOperation as FakeCollection
from tests.workflows.fakes import workers
from workflows.request_to_pay import RequestToPayWorkflow

REQUEST = {
    "amount": "500",
    "currency": "EUR",
    "payer": {"party_id_type": "MSISDN", "party_id": "46733123454"},
    "external_id": "ORDER-7",
}
FAST = PaymentTiming(callback_timeout_s=1, poll_interval_s=1, deadline_s=60)


def _facade(env: WorkflowEnvironment, queue: str) -> Momoflow:
    return Momoflow(env.client, TemporalSettings(task_queue=queue), ui_base_url="http://ui:8233")


def _workers(env: WorkflowEnvironment, queue: str, fake: FakeCollection):  # type: ignore[no-untyped-def]
    return workers(env, queue, [RequestToPayWorkflow], fake.activities())


async def test_same_key_twice_is_one_payment(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(
        statuses=[ProviderStatus(status="PENDING"), ProviderStatus(status="SUCCESSFUL", financial_transaction_id="1")]
    )
    momoflow = _facade(time_env, task_queue)
    async with _workers(time_env, task_queue, fake):
        first = await momoflow.request_to_pay(REQUEST, timing=FAST)
        second = await momoflow.request_to_pay(REQUEST, timing=FAST)  # running: attaches
        assert first.workflow_id == second.workflow_id == "rtp-ORDER-7"
        assert first.ui_url == "http://ui:8233/namespaces/default/workflows/rtp-ORDER-7"
        result = await first.result()
        third = await momoflow.request_to_pay(REQUEST, timing=FAST)  # finished: returns the first payment
        assert (await third.result()).reference_id == result.reference_id
    assert result.status is PaymentStatus.SUCCESSFUL
    assert len(set(fake.submitted_refs)) == 1


async def test_reused_key_with_other_details_is_refused(time_env: WorkflowEnvironment, task_queue: str) -> None:
    momoflow = _facade(time_env, task_queue)
    await momoflow.request_to_pay(REQUEST, timing=FAST)  # no worker needed to start
    with pytest.raises(
        IdempotencyConflict, match="key: 'ORDER-7' already belongs to an operation with different details"
    ):
        await momoflow.request_to_pay({**REQUEST, "amount": "501"}, timing=FAST)


async def test_only_a_start_that_found_a_run_reads_its_memo(
    time_env: WorkflowEnvironment, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's start response says whether this call created the run; only when it
    # did not does the facade describe the run to compare the details (one call saved per payment).
    service = time_env.client.workflow_service
    described: list[str] = []
    describe = service.describe_workflow_execution

    async def counting(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        described.append(request.execution.workflow_id)
        return await describe(request, *args, **kwargs)

    monkeypatch.setattr(service, "describe_workflow_execution", counting)
    momoflow = _facade(time_env, task_queue)
    await momoflow.request_to_pay(REQUEST, timing=FAST)
    assert described == []
    await momoflow.request_to_pay(REQUEST, timing=FAST)  # the same payment again: found, memo compared
    assert described == ["rtp-ORDER-7"]
    with pytest.raises(IdempotencyConflict):
        await momoflow.request_to_pay({**REQUEST, "amount": "501"}, timing=FAST)


async def test_other_currencies_are_for_production_environments(time_env: WorkflowEnvironment, task_queue: str) -> None:
    momoflow = Momoflow(
        time_env.client,
        TemporalSettings(task_queue=task_queue),
        PaymentDefaults(target_environment="mtnuganda"),
    )
    payment = await momoflow.request_to_pay({**REQUEST, "currency": "UGX"}, timing=FAST)
    assert payment.workflow_id == "rtp-ORDER-7"


async def test_explicit_key_overrides_external_id(time_env: WorkflowEnvironment, task_queue: str) -> None:
    momoflow = _facade(time_env, task_queue)
    payment = await momoflow.request_to_pay(REQUEST, key="attempt-2", timing=FAST)
    assert payment.workflow_id == "rtp-attempt-2"


@pytest.mark.parametrize(
    ("request_overrides", "key", "message"),
    [
        ({"amount": "-1"}, None, "amount: must be greater than zero"),
        ({"currency": "euro"}, None, "currency: 'euro' is not an ISO 4217 currency code"),
        ({"currency": "UGX"}, None, "currency: the MoMo sandbox accepts only EUR, got UGX"),
        ({"payer": {"party_id_type": "MSISDN", "party_id": "07"}}, None, "party_id: an MSISDN must be"),
        ({}, "bad key with spaces", "key: 1 to 200"),
    ],
)
async def test_bad_input_starts_nothing(
    time_env: WorkflowEnvironment, task_queue: str, request_overrides: dict, key: str | None, message: str
) -> None:
    momoflow = _facade(time_env, task_queue)
    with pytest.raises(StartError, match=message):
        await momoflow.request_to_pay({**REQUEST, **request_overrides}, key=key, timing=FAST)
    with pytest.raises(RPCError):
        await time_env.client.get_workflow_handle("rtp-ORDER-7").describe()


async def test_result_with_deadline_returns_live_state(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[ProviderStatus(status="PENDING")])
    momoflow = _facade(time_env, task_queue)
    async with _workers(time_env, task_queue, fake):
        payment = await momoflow.request_to_pay(REQUEST, timing=PaymentTiming(callback_timeout_s=600, deadline_s=3600))
        with time_env.auto_time_skipping_disabled():  # the 0.5 s below is real time
            state = await payment.result(timeout=0.5)
    assert state.status in (PaymentStatus.SUBMITTING, PaymentStatus.PENDING)
    assert state.amount == Decimal("500")


async def test_caller_waiting_past_the_deadline_gets_unknown_not_an_error(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    fake = FakeCollection(statuses=[ProviderStatus(status="PENDING")])
    momoflow = _facade(time_env, task_queue)
    async with _workers(time_env, task_queue, fake):
        payment = await momoflow.request_to_pay(REQUEST, timing=PaymentTiming(callback_timeout_s=10, deadline_s=60))
        await time_env.sleep(120)
        with time_env.auto_time_skipping_disabled():
            state = await payment.result(timeout=0.5)
    assert state.status is PaymentStatus.UNKNOWN
    assert not state.is_final


# -- answers while no worker runs ---------------------------------------------------------------


async def test_outcome_is_set_with_the_status_in_one_upsert(time_env: WorkflowEnvironment, task_queue: str) -> None:
    rejected = FakeCollection(statuses=[ProviderStatus(status="FAILED", reason="APPROVAL_REJECTED")])
    paid = FakeCollection(statuses=[ProviderStatus(status="SUCCESSFUL", financial_transaction_id="FT-991")])
    momoflow = _facade(time_env, task_queue)
    async with _workers(time_env, task_queue, rejected):
        refused = await momoflow.request_to_pay(REQUEST, timing=FAST)
        await refused.result()
    async with _workers(time_env, task_queue, paid):
        payment = await momoflow.request_to_pay({**REQUEST, "external_id": "ORDER-8"}, timing=FAST)
        await payment.result()

    for handle, expected in [
        (refused.raw, {"MomoStatus": "FAILED", "MomoReason": "APPROVAL_REJECTED"}),
        (payment.raw, {"MomoStatus": "SUCCESSFUL", "MomoFinancialTransactionId": "FT-991"}),
    ]:
        history = await handle.fetch_history()
        upserts = [
            {name: json.loads(value.data) for name, value in event.search_attributes.indexed_fields.items()}
            for event in (e.upsert_workflow_search_attributes_event_attributes for e in history.events)
            if event.HasField("search_attributes")
        ]
        # Temporal's own record of the patch aside, each status change is one upsert, outcome included.
        statuses = [upsert for upsert in upserts if set(upsert) != {"TemporalChangeVersion"}]
        assert [upsert["MomoStatus"] for upsert in statuses] == ["SUBMITTING", "PENDING", expected["MomoStatus"]]
        assert statuses[-1] == expected
        # The new history replays on today's code.
        await Replayer(workflows=[RequestToPayWorkflow], data_converter=DATA_CONVERTER).replay_workflow(history)
    described = await refused.raw.describe()
    assert described.typed_search_attributes.get(sa.REASON) == "APPROVAL_REJECTED"


async def test_status_without_a_worker_is_read_from_the_server(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeCollection(statuses=[ProviderStatus(status="PENDING")])
    momoflow = _facade(time_env, task_queue)
    async with _workers(time_env, task_queue, fake):
        payment = await momoflow.request_to_pay(REQUEST, timing=PaymentTiming(callback_timeout_s=600, deadline_s=3600))
        for _ in range(100):
            live = await payment.status()
            if live.status is PaymentStatus.PENDING:
                break
            await asyncio.sleep(0.05)
    # The worker has stopped.
    with time_env.auto_time_skipping_disabled():
        started = time.monotonic()
        state = await payment.status(timeout=0.5)
        took = time.monotonic() - started
    assert took < 2
    assert state.read_from_server and not live.read_from_server
    assert (state.status, state.reference_id, state.external_id, state.product) == (
        PaymentStatus.PENDING,
        live.reference_id,
        "ORDER-7",
        live.product,
    )
    assert (state.amount, state.reason, state.financial_transaction_id, state.history) == (None, None, None, [])


async def test_status_before_any_worker_ran_says_nothing_was_sent(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    payment = await _facade(time_env, task_queue).request_to_pay(REQUEST, timing=FAST)
    with time_env.auto_time_skipping_disabled():
        state = await payment.result(timeout=1)
    assert (state.status, state.reference_id, state.operation, state.read_from_server) == (
        PaymentStatus.SUBMITTING,
        "",
        "request_to_pay",
        True,
    )


async def test_watch_ends_when_the_workflow_closed_unknown(time_env: WorkflowEnvironment, task_queue: str) -> None:
    """A reconciliation that ran out leaves the payment UNKNOWN for good: watching must end, not poll forever."""
    fake = FakeCollection(statuses=[ProviderStatus(status="PENDING")])
    momoflow = _facade(time_env, task_queue)
    timing = PaymentTiming(
        callback_timeout_s=1, poll_interval_s=1, deadline_s=5,
        reconcile_initial_interval_s=1, reconcile_max_interval_s=2, reconcile_max_age_s=10,
    )  # fmt: skip
    async with _workers(time_env, task_queue, fake):
        payment = await momoflow.request_to_pay(REQUEST, timing=timing)
        closed = await payment.raw.result()  # time skips through the whole reconciliation
        assert closed.status is PaymentStatus.UNKNOWN
        with time_env.auto_time_skipping_disabled():
            seen = [state async for state in _bounded(payment.watch(interval=0.05), seconds=10)]
    assert [state.status for state in seen] == [PaymentStatus.UNKNOWN]
    assert seen[-1] == closed


async def _bounded(states, seconds: float):  # type: ignore[no-untyped-def]
    """The watch's states, failing instead of hanging when it does not end in time."""
    iterator = states.__aiter__()
    deadline = time.monotonic() + seconds
    while True:
        try:
            yield await asyncio.wait_for(iterator.__anext__(), max(deadline - time.monotonic(), 0.01))
        except StopAsyncIteration:
            return
