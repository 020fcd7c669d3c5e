"""What a backend caller sees when things fail around it: a lost cancel call, a worker that is down."""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import pytest
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

from devstack import Stack
from momoflow import search_attributes as sa
from momoflow.models import PaymentState, PaymentStatus
from starter.facade import StartError
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

NEVER_ANSWERS = "46733123453"  # the sandbox's customer who never decides
REJECTS = "46733123451"
SLACK_S = 1.0


def _msisdn(number: str) -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": number}


def _key(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def _payment(payer: str) -> dict[str, object]:
    return {"amount": "12.50", "currency": "EUR", "payer": _msisdn(payer), "external_id": _key("ORD")}


def _invoice(payer: str) -> dict[str, object]:
    return {
        "amount": "99.90",
        "currency": "EUR",
        "intended_payer": _msisdn(payer),
        "payee": _msisdn("46733000001"),
        "external_id": _key("INV"),
        "validity_s": 3600,
    }


async def _until(check, timeout: float = 20) -> PaymentState:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        state = await check()
        if state is not None:
            return state
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def test_repeated_invoice_cancel_returns_the_one_cancellation(stack: Stack) -> None:
    momoflow = stack.momoflow()
    invoice = await momoflow.create_invoice(_invoice(NEVER_ANSWERS), timing=TIMING)

    async def opened() -> PaymentState | None:
        state = await invoice.status()
        return state if state.details.get("payment_reference") else None

    await _until(opened)
    # The caller's call fails once the cancellation was accepted (its own timeout here).
    first = asyncio.create_task(invoice.cancel())

    async def accepted() -> PaymentState | None:
        state = await invoice.status()
        return state if "cancellation_reference_id" in state.details else None

    cancel_ref = (await _until(accepted)).details["cancellation_reference_id"]
    first.cancel()
    with pytest.raises((asyncio.CancelledError, WorkflowUpdateRPCTimeoutOrCancelledError)):
        await first

    again, from_elsewhere = await asyncio.gather(
        invoice.cancel(),
        stack.client.get_workflow_handle(invoice.workflow_id).execute_update("cancel", result_type=PaymentState),
    )
    final = await invoice.result()
    after_end = await invoice.cancel()

    for answer in (again, from_elsewhere, after_end):
        assert answer.details["cancellation_reference_id"] == cancel_ref
        assert answer.details["cancellation_status"] == "SUCCESSFUL"
    assert (final.status, final.reason) == (PaymentStatus.FAILED, "TRANSACTION_CANCELED")
    assert after_end.model_dump() == final.model_dump()
    stats = await stack.sandbox_stats()
    assert stats["posts_accepted"].get(cancel_ref.lower()) == 1  # one DELETE
    assert not stats.get("posts_rejected_duplicate", {}).get(cancel_ref.lower())


async def test_cancel_of_a_paid_invoice_names_its_state(stack: Stack) -> None:
    momoflow = stack.momoflow()
    paid = await momoflow.create_invoice(_invoice(f"2567{random.randint(10_000_000, 99_999_999)}"), timing=TIMING)
    assert (await paid.result()).status is PaymentStatus.SUCCESSFUL
    with pytest.raises(
        StartError, match=r"status: only an open invoice can be cancelled; this one is SUCCESSFUL \(paid\)"
    ):
        await paid.cancel()


async def test_answers_come_from_the_server_while_the_worker_is_down(stack: Stack) -> None:
    momoflow = stack.momoflow()
    paid = await momoflow.request_to_pay(_payment(f"2567{random.randint(10_000_000, 99_999_999)}"), timing=TIMING)
    rejected = await momoflow.request_to_pay(_payment(REJECTS), timing=TIMING)
    waiting = await momoflow.request_to_pay(_payment(NEVER_ANSWERS), timing=TIMING)
    paid_state, rejected_state = await asyncio.gather(paid.result(), rejected.result())

    async def pending() -> PaymentState | None:
        state = await waiting.status()
        return state if state.status is PaymentStatus.PENDING else None

    live = await _until(pending)
    # The outcome is on the server itself, not only in the workflow.
    paid_attributes = (await paid.raw.describe()).typed_search_attributes
    rejected_attributes = (await rejected.raw.describe()).typed_search_attributes
    assert paid_attributes.get(sa.FINANCIAL_TRANSACTION_ID) == paid_state.financial_transaction_id is not None
    assert (rejected_attributes.get(sa.STATUS), rejected_attributes.get(sa.REASON)) == ("FAILED", "APPROVAL_REJECTED")

    stack.kill_worker()
    try:
        started = time.monotonic()
        state = await waiting.result(timeout=3)
        took = time.monotonic() - started
        print(f"result(timeout=3) with the worker down took {took:.2f} s")
        assert took < 3 + SLACK_S, f"result(timeout=3) took {took:.1f} s"
        assert state.read_from_server
        assert (state.status, state.reference_id, state.external_id) == (
            PaymentStatus.PENDING,
            live.reference_id,
            live.external_id,
        )
        assert (state.amount, state.reason, state.financial_transaction_id) == (None, None, None)  # not guessed

        started = time.monotonic()
        from_history = await rejected.status()
        assert time.monotonic() - started < 2 + SLACK_S
        assert from_history.read_from_server
        assert from_history.model_dump(exclude={"read_from_server"}) == rejected_state.model_dump(
            exclude={"read_from_server"}
        )

        # Started while no worker runs: nothing has been sent to MoMo yet, and the answer says so.
        started_late = await momoflow.request_to_pay(_payment(NEVER_ANSWERS), timing=TIMING)
        started = time.monotonic()
        unsent = await started_late.result(timeout=3)
        assert time.monotonic() - started < 3 + SLACK_S
        assert (unsent.status, unsent.reference_id, unsent.read_from_server) == (PaymentStatus.SUBMITTING, "", True)
    finally:
        await stack.start_worker()

    async def live_again() -> PaymentState | None:
        # Queries go to the dead worker's sticky queue until the server gives up on it.
        state = await waiting.status()
        return None if state.read_from_server else state

    assert (await _until(live_again, timeout=60)).status is PaymentStatus.PENDING
    for handle in (waiting, started_late):
        await handle.raw.terminate(reason="test done")
