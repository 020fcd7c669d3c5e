"""Refund and RefundLedger on the time-skipping server: real ledgers, real originals, MoMo scripted.

The originals are real RequestToPay workflows (MoMo's side scripted); the refunds claim on
real RefundLedger workflows through the real reserve and read activities (update-with-start
on the test server), so what is tested here is the reservation logic itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.errors import still_pending
from activities.refunds import LedgerActivities
from momoflow import contract
from momoflow.contract import ProviderStatus, StatusCheck, SubmitRefund
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming, Resolution
from momoflow.operations import RequestToPayInput, RequestToPayRequest
from momoflow.refunds import (
    LedgerInput,
    LedgerState,
    OriginalPayment,
    RefundInput,
    RefundRequest,
    ReservationState,
    ReserveRequest,
    ReserveVerdict,
)
from momoflow.settings import PaymentDefaults
from tests.workflows.fakes import FakeOperation, workers
from workflows.refund import RefundWorkflow
from workflows.refund_ledger import RefundLedgerWorkflow
from workflows.request_to_pay import RequestToPayWorkflow

SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="111")
FAILED = ProviderStatus(status="FAILED", reason="NOT_ENOUGH_FUNDS")
PENDING = ProviderStatus(status="PENDING")
TIMING = PaymentTiming(
    callback_timeout_s=10,
    poll_interval_s=2,
    deadline_s=60,
    reconcile_initial_interval_s=60,
    reconcile_max_interval_s=600,
    reconcile_max_age_s=3600,
)
PAYER = {"party_id_type": "MSISDN", "party_id": "46733123454"}


@dataclass
class FakeRefunds:
    """MoMo's refund endpoints: each refund's outcome is scripted by its external id (default SUCCESSFUL)."""

    outcomes: dict[str, ProviderStatus] = field(default_factory=dict)
    submitted: list[SubmitRefund] = field(default_factory=list)
    _by_reference: dict[str, ProviderStatus] = field(default_factory=dict)

    def activities(self) -> list[Any]:
        @activity.defn(name=contract.REFUND.submit)
        async def submit(request: SubmitRefund) -> bool:
            self.submitted.append(request)
            self._by_reference[request.reference_id] = self.outcomes.get(request.request.external_id, SUCCESS)
            return True

        @activity.defn(name=contract.REFUND.get_status)
        async def get_status(check: StatusCheck) -> ProviderStatus:
            return self._by_reference.get(check.reference_id, ProviderStatus(status="NOT_FOUND"))

        @activity.defn(name=contract.REFUND.await_final)
        async def await_final(check: StatusCheck) -> ProviderStatus:
            answer = self._by_reference.get(check.reference_id, PENDING)
            if not answer.is_final:
                raise still_pending(answer.status)
            return answer

        return [submit, get_status, await_final]


@asynccontextmanager
async def running(
    env: WorkflowEnvironment,
    queue: str,
    refunds: FakeRefunds,
    original: list[ProviderStatus],
    defaults: PaymentDefaults | None = None,
) -> AsyncIterator[None]:
    momo = FakeOperation(steps=contract.REQUEST_TO_PAY, statuses=original)
    activities = [*momo.activities(), *refunds.activities(), *LedgerActivities(env.client, queue).all()]
    flows = [RequestToPayWorkflow, RefundWorkflow, RefundLedgerWorkflow]
    async with workers(env, queue, flows, activities, defaults):
        yield


async def _payment(
    env: WorkflowEnvironment, queue: str, amount: str = "100", currency: str = "EUR", wait: bool = True
) -> str:
    workflow_id = f"rtp-ORDER-{uuid.uuid4().hex[:8]}"
    request = RequestToPayRequest(amount=Decimal(amount), currency=currency, payer=PAYER, external_id="ORDER-1")
    handle = await env.client.start_workflow(
        RequestToPayWorkflow.run, RequestToPayInput(request=request, timing=TIMING), id=workflow_id, task_queue=queue
    )
    if wait:
        await handle.result()
    return workflow_id


async def _refund(
    env: WorkflowEnvironment,
    queue: str,
    original: str,
    amount: str,
    external_id: str = "REFUND-1",
    currency: str = "EUR",
) -> WorkflowHandle[Any, PaymentState]:
    request = RefundRequest(original_key=original, amount=Decimal(amount), currency=currency, external_id=external_id)
    return await env.client.start_workflow(
        RefundWorkflow.run, RefundInput(request=request, timing=TIMING), id=f"refund-{uuid.uuid4()}", task_queue=queue
    )


async def _ledger(env: WorkflowEnvironment, original: str) -> LedgerState:
    handle = env.client.get_workflow_handle(contract.refund_ledger_id(original))
    for _ in range(100):  # the refund's release or settle signal may still be on its way
        state: LedgerState = await handle.query(contract.LEDGER_QUERY, result_type=LedgerState)
        if not any(r.state is ReservationState.HELD for r in state.reservations.values()):
            return state
        await asyncio.sleep(0.05)
    return state


async def _wait_status(
    env: WorkflowEnvironment, handle: WorkflowHandle[Any, PaymentState], status: PaymentStatus
) -> PaymentState:
    for _ in range(100):
        state: PaymentState = await handle.query(contract.STATUS_QUERY, result_type=PaymentState)
        if state.status is status:
            return state
        await env.sleep(2)  # on the test server's clock
    raise AssertionError(f"never reached {status}; last {state.status}")


async def test_partial_refunds_up_to_the_amount_then_refused(time_env: WorkflowEnvironment, task_queue: str) -> None:
    refunds = FakeRefunds()
    async with running(time_env, task_queue, refunds, [SUCCESS]):
        original = await _payment(time_env, task_queue, "100")
        first = await (await _refund(time_env, task_queue, original, "60")).result()
        second = await (await _refund(time_env, task_queue, original, "40")).result()

        third = await (await _refund(time_env, task_queue, original, "0.01")).result()
        ledger = await _ledger(time_env, original)
    assert first.status is PaymentStatus.SUCCESSFUL and second.status is PaymentStatus.SUCCESSFUL
    assert third.status is PaymentStatus.FAILED
    assert third.reason == "REFUND_EXCEEDS_REFUNDABLE"
    assert "remains refundable" in (third.reason_message or "") and "0 of 100" in (third.reason_message or "")
    assert len(refunds.submitted) == 2  # the refused one never reached MoMo
    rtp_reference = ledger.original.reference_id if ledger.original else None
    assert {s.reference_id_to_refund for s in refunds.submitted} == {rtp_reference}
    assert ledger.refunded() == Decimal("100")


async def test_failed_refund_releases_its_reservation(time_env: WorkflowEnvironment, task_queue: str) -> None:
    refunds = FakeRefunds(outcomes={"REFUND-BAD": FAILED})
    async with running(time_env, task_queue, refunds, [SUCCESS]):
        original = await _payment(time_env, task_queue, "100")
        failed = await (await _refund(time_env, task_queue, original, "100", "REFUND-BAD")).result()
        after = await _ledger(time_env, original)
        again = await (await _refund(time_env, task_queue, original, "100", "REFUND-OK")).result()
    assert failed.status is PaymentStatus.FAILED and failed.reason == "NOT_ENOUGH_FUNDS"
    assert [r.state for r in after.reservations.values()] == [ReservationState.RELEASED]
    assert again.status is PaymentStatus.SUCCESSFUL
    assert len(refunds.submitted) == 2


async def test_unknown_refund_keeps_its_reservation_until_resolved(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    refunds = FakeRefunds(outcomes={"REFUND-SLOW": PENDING})
    async with running(time_env, task_queue, refunds, [SUCCESS]):
        original = await _payment(time_env, task_queue, "100")
        slow = await _refund(time_env, task_queue, original, "70", "REFUND-SLOW")
        await _wait_status(time_env, slow, PaymentStatus.UNKNOWN)
        refused = await (await _refund(time_env, task_queue, original, "31", "REFUND-2")).result()
        held = await time_env.client.get_workflow_handle(contract.refund_ledger_id(original)).query(
            contract.LEDGER_QUERY, result_type=LedgerState
        )
        await slow.execute_update(
            contract.RESOLVE_UPDATE,
            Resolution(
                status=PaymentStatus.FAILED, operator="ops@example.com", reason="MoMo confirmed by phone: not paid"
            ),
            result_type=PaymentState,
        )
        await slow.result()
        freed = await (await _refund(time_env, task_queue, original, "100", "REFUND-3")).result()
    assert refused.status is PaymentStatus.FAILED and refused.reason == "REFUND_EXCEEDS_REFUNDABLE"
    assert "30 of 100" in (refused.reason_message or "")
    assert held.counted() == Decimal("70")
    assert freed.status is PaymentStatus.SUCCESSFUL


async def test_refund_of_a_payment_that_is_not_successful_is_refused(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    refunds = FakeRefunds()
    async with running(time_env, task_queue, refunds, [ProviderStatus(status="FAILED", reason="APPROVAL_REJECTED")]):
        rejected = await _payment(time_env, task_queue, "100")
        on_failed = await (await _refund(time_env, task_queue, rejected, "10")).result()
        on_missing = await (await _refund(time_env, task_queue, "rtp-NO-SUCH-ORDER", "10")).result()
    async with running(time_env, task_queue, refunds, [PENDING]):
        pending = await _payment(time_env, task_queue, "100", wait=False)
        await _wait_status(
            time_env, time_env.client.get_workflow_handle(pending, result_type=PaymentState), PaymentStatus.PENDING
        )
        on_pending = await (await _refund(time_env, task_queue, pending, "10")).result()
    assert (on_failed.reason, on_missing.reason, on_pending.reason) == (
        "ORIGINAL_NOT_SUCCESSFUL",
        "ORIGINAL_NOT_FOUND",
        "ORIGINAL_NOT_SUCCESSFUL",
    )
    assert f"the payment {rejected} is FAILED" in (on_failed.reason_message or "")
    assert f"the payment {pending} is PENDING" in (on_pending.reason_message or "")
    assert "no payment rtp-NO-SUCH-ORDER" in (on_missing.reason_message or "")
    assert refunds.submitted == []


async def test_refund_in_another_currency_is_refused(time_env: WorkflowEnvironment, task_queue: str) -> None:
    refunds = FakeRefunds()
    production = PaymentDefaults(target_environment="mtnuganda")
    async with running(time_env, task_queue, refunds, [SUCCESS], production):
        original = await _payment(time_env, task_queue, "5000", currency="UGX")
        wrong = await (await _refund(time_env, task_queue, original, "10", currency="EUR")).result()
        right = await (await _refund(time_env, task_queue, original, "10", currency="UGX")).result()
    assert wrong.status is PaymentStatus.FAILED and wrong.reason == "CURRENCY_MISMATCH"
    assert "made in UGX, the refund asks for EUR" in (wrong.reason_message or "")
    assert right.status is PaymentStatus.SUCCESSFUL
    assert len(refunds.submitted) == 1


async def test_concurrent_claims_from_two_clients_never_exceed_the_amount(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    """20 refunds of 15 on a payment of 100, started at once through two client connections."""
    refunds = FakeRefunds()
    other = await type(time_env.client).connect(
        time_env.client.service_client.config.target_host, data_converter=time_env.client.data_converter
    )
    async with running(time_env, task_queue, refunds, [SUCCESS]):
        original = await _payment(time_env, task_queue, "100")
        clients = [time_env.client, other]

        async def one(i: int) -> PaymentState:
            request = RefundRequest(original_key=original, amount=Decimal("15"), currency="EUR", external_id=f"R-{i}")
            handle = await clients[i % 2].start_workflow(
                RefundWorkflow.run,
                RefundInput(request=request, timing=TIMING),
                id=f"refund-{original}-{i}",
                task_queue=task_queue,
            )
            return await handle.result()

        results = await asyncio.gather(*(one(i) for i in range(20)))
        ledger = await _ledger(time_env, original)
    accepted = [r for r in results if r.status is PaymentStatus.SUCCESSFUL]
    refused = [r for r in results if r.status is PaymentStatus.FAILED]
    assert len(accepted) == 6 and len(refused) == 14  # 6 × 15 = 90 ≤ 100 < 105
    assert {r.reason for r in refused} == {"REFUND_EXCEEDS_REFUNDABLE"}
    assert len(refunds.submitted) == 6
    assert ledger.refunded() == Decimal("90")


async def test_a_claim_released_while_it_was_being_judged_holds_nothing(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    """The refund gave up (its reserve timed out) and released while the ledger still read the payment."""
    original = "rtp-ORDER-SLOW-READ"
    asked, answer = asyncio.Event(), asyncio.Event()

    @activity.defn(name=contract.REFUND_READ_ORIGINAL)
    async def read_original(workflow_id: str) -> OriginalPayment:
        asked.set()
        await answer.wait()
        return OriginalPayment(
            workflow_id=workflow_id,
            found=True,
            workflow_type="RequestToPay",
            status="SUCCESSFUL",
            amount=Decimal("100"),
            currency="EUR",
            reference_id="ref-1",
        )

    async with workers(time_env, task_queue, [RefundLedgerWorkflow], [read_original]):
        ledger = await time_env.client.start_workflow(
            RefundLedgerWorkflow.run,
            LedgerInput(original_workflow_id=original),
            id=contract.refund_ledger_id(original),
            task_queue=task_queue,
        )
        claim = ReserveRequest(
            original_workflow_id=original, refund_key="refund-R-1", amount=Decimal("40"), currency="EUR"
        )
        reserving = asyncio.create_task(
            ledger.execute_update(contract.RESERVE_UPDATE, claim, result_type=ReserveVerdict)
        )
        await asyncio.wait_for(asked.wait(), 10)
        await ledger.signal(contract.RELEASE_SIGNAL, "refund-R-1")
        answer.set()
        verdict = await reserving
        state = await ledger.query(contract.LEDGER_QUERY, result_type=LedgerState)
        await ledger.terminate()
    assert not verdict.accepted and verdict.reason == "REFUND_KEY_REUSED"
    assert "gave its claim up" in (verdict.message or "")
    assert state.counted() == Decimal(0)
    assert [r.state for r in state.reservations.values()] == [ReservationState.RELEASED]
