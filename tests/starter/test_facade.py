"""The backend facade: idempotent starts, clear input errors, answers with a deadline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from momoflow.contract import ProviderStatus
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
    fake = FakeCollection(statuses=[ProviderStatus(status="PENDING"), ProviderStatus(status="SUCCESSFUL", financial_transaction_id="1")])
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
    with pytest.raises(IdempotencyConflict, match="key: 'ORDER-7' already belongs to an operation with different details"):
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
