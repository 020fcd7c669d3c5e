"""Faults against the real stack: MoMo outages, lost callbacks, killed processes mid-call.

Every test checks the outcome against the sandbox's own records (``GET /sandbox/stats`` and
MoMo's status GET): one accepted POST per reference id, the workflow's answer equal to MoMo's,
and the ledger moved by exactly the successful payments.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from devstack import Stack, StackConfig
from momo.client import CollectionClient, MomoCredentials
from momoflow.models import PaymentState, PaymentStatus, PaymentTiming
from starter import OperationFailed

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

# Customers take 4 s to decide, as a person would, so callbacks and checks can be timed.
SLOW_CUSTOMERS = {"SANDBOX_APPROVAL_DELAY_S": "4"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    config = StackConfig.ephemeral(Path(tmp_path_factory.mktemp("faults")), sandbox_env=SLOW_CUSTOMERS)
    running = await Stack(config).start()
    try:
        yield running
    finally:
        running.stop()


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def no_faults(stack: Stack) -> AsyncIterator[None]:
    await _faults(stack, api_error_rate=0.0, api_slow_rate=0.0, callback_drop_rate=0.0)
    yield
    await _faults(stack, api_error_rate=0.0, api_slow_rate=0.0, callback_drop_rate=0.0)


async def _faults(stack: Stack, **settings: Any) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.put(f"{stack.config.sandbox_url}/sandbox/faults", json=settings)
        response.raise_for_status()


def _msisdn(number: str) -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": number}


def _customer() -> str:
    return f"2567{random.randint(10_000_000, 99_999_999)}"


def _key(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def _rtp(amount: str, label: str) -> dict[str, object]:
    return {"amount": amount, "currency": "EUR", "payer": _msisdn(_customer()), "external_id": _key(label)}


def _collection_client(stack: Stack, http: httpx.AsyncClient) -> CollectionClient:
    assert stack.credentials is not None
    creds = MomoCredentials(
        "collection", stack.config.collection_subscription_key, stack.credentials.api_user, stack.credentials.api_key
    )
    return CollectionClient(http, stack.config.sandbox_url, creds, target_environment="sandbox")


async def _collection_balance(stack: Stack) -> Decimal:
    assert stack.credentials is not None
    balances = (await stack.sandbox_stats())["balances"]
    return Decimal(balances[stack.credentials.api_user]["collection"])


async def _check_against_sandbox(stack: Stack, results: list[PaymentState], balance_before: Decimal) -> None:
    """One accepted POST per reference id, MoMo's record equals the workflow's, the ledger adds up."""
    stats = await stack.sandbox_stats()
    accepted = stats["posts_accepted"]
    assert {r.reference_id: accepted.get(r.reference_id) for r in results} == {r.reference_id: 1 for r in results}
    async with httpx.AsyncClient(timeout=10) as http:
        client = _collection_client(stack, http)
        for result in results:
            record = await client.get_request_to_pay(result.reference_id)
            assert (record.status.value, record.financial_transaction_id) == (
                result.status.value,
                result.financial_transaction_id,
            )
    successful = sum((r.amount or Decimal(0) for r in results if r.status is PaymentStatus.SUCCESSFUL), Decimal(0))
    assert await _collection_balance(stack) - balance_before == successful


def _seconds(state: PaymentState, status: PaymentStatus) -> float:
    started = state.history[0].at
    return next((change.at - started).total_seconds() for change in state.history if change.status is status)


async def test_outage_longer_than_submit_budget_resends_until_accepted(stack: Stack) -> None:
    """Every MoMo call answers 503 for 25 s; the submit budget is 20 s. Before: PENDING, then
    UNKNOWN for a week with 0 accepted POSTs. Now: SUBMITTING until MoMo takes the resent request."""
    momoflow = stack.momoflow()
    balance = await _collection_balance(stack)
    timing = PaymentTiming(submit_timeout_s=20, callback_timeout_s=15, poll_interval_s=1, deadline_s=90)
    await _faults(stack, api_error_rate=1.0, api_error_statuses=[503])
    outage_started = time.monotonic()
    payment = await momoflow.request_to_pay(_rtp("25", "OUTAGE"), timing=timing)
    await asyncio.sleep(21)
    during = await payment.status()
    assert during.status is PaymentStatus.SUBMITTING  # past the submit budget, never acknowledged
    await asyncio.sleep(max(0.0, 25 - (time.monotonic() - outage_started)))
    await _faults(stack, api_error_rate=0.0)

    result = await payment.result(timeout=60)
    assert result.status is PaymentStatus.SUCCESSFUL
    assert [c.status for c in result.history] == [
        PaymentStatus.SUBMITTING,
        PaymentStatus.PENDING,
        PaymentStatus.SUCCESSFUL,
    ]
    assert _seconds(result, PaymentStatus.PENDING) >= 24
    await _check_against_sandbox(stack, [result], balance)


async def test_lost_callbacks_are_noticed_within_seconds(stack: Stack) -> None:
    """Every callback dropped, the facade's default timings. Before: a payment waited out the
    60 s callback timeout; a 90 s invoice paid in 4 s was confirmed after 154 s."""
    momoflow = stack.momoflow()
    balance = await _collection_balance(stack)
    await _faults(stack, callback_drop_rate=1.0)
    payment = await momoflow.request_to_pay(_rtp("7", "DROPPED"))
    invoice = await momoflow.create_invoice(
        {
            "amount": "9.90",
            "currency": "EUR",
            "intended_payer": _msisdn(_customer()),
            "payee": _msisdn("46733000001"),
            "external_id": _key("INV"),
            "validity_s": 90,
            "description": "Invoice for order",
        }
    )
    paid, settled = await asyncio.gather(payment.result(timeout=60), invoice.result(timeout=60))
    assert (paid.status, settled.status) == (PaymentStatus.SUCCESSFUL, PaymentStatus.SUCCESSFUL)
    payment_s, invoice_s = _seconds(paid, PaymentStatus.SUCCESSFUL), _seconds(settled, PaymentStatus.SUCCESSFUL)
    print(f"lost callback: payment confirmed after {payment_s:.1f} s, invoice after {invoice_s:.1f} s (paid after 4 s)")
    # Paid after 4 s; the checks come at about 5, 12.5 and 23.75 s after submit.
    assert payment_s < 20 and invoice_s < 20
    assert paid.status_checks <= 3
    stats = await stack.sandbox_stats()
    assert stats["callbacks"]["dropped"] >= 2
    await _check_against_sandbox(stack, [paid], balance + Decimal("9.90"))  # the invoice paid in too


async def test_cancel_pre_approval_survives_a_worker_killed_mid_delete(stack: Stack) -> None:
    """The DELETE takes 6 s; the worker dies 2 s into it and another takes over. Before: the
    retry met "Pre-approval is not active." and the cancellation was reported NOT_ALLOWED."""
    momoflow = stack.momoflow()
    payer = _msisdn(_customer())
    approval = await momoflow.pre_approval({"payer": payer, "currency": "EUR", "validity_s": 3600}, key=_key("SUB"))
    mandate = await approval.result(timeout=30)
    assert mandate.status is PaymentStatus.SUCCESSFUL

    slow_s = 6.0
    faults_before = (await stack.sandbox_stats())["faults_injected"]
    await _faults(stack, api_slow_rate=1.0, api_slow_s=slow_s)
    cancelling = asyncio.create_task(momoflow.cancel_pre_approval(mandate.reference_id))
    in_flight_since = await _until_a_call_is_slowed(stack, faults_before)  # the DELETE has reached MoMo
    stack.kill_worker()
    # The first DELETE lands at MoMo while no worker runs: wait out its delay, counted from its arrival.
    await asyncio.sleep(max(0.0, in_flight_since + slow_s + 1.0 - time.monotonic()))
    await _faults(stack, api_slow_rate=0.0)
    await stack.start_worker()

    assert await asyncio.wait_for(cancelling, 60) is True
    assert [entry.status for entry in await momoflow.list_pre_approvals(payer)] == ["CANCELLED"]
    # A mandate that was already inactive before the call is still refused.
    with pytest.raises(OperationFailed) as info:
        await momoflow.cancel_pre_approval(mandate.reference_id)
    assert info.value.code == "NOT_ALLOWED"


async def _until_a_call_is_slowed(stack: Stack, faults_before: int) -> float:
    """When the sandbox began delaying a product call (a slowed call counts as a fault on arrival)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (await stack.sandbox_stats())["faults_injected"] > faults_before:
            return time.monotonic()
        await asyncio.sleep(0.05)
    raise AssertionError("no call reached the sandbox")


async def _pending_payments(stack: Stack, count: int, label: str) -> list[Any]:
    momoflow = stack.momoflow()
    timing = PaymentTiming(callback_timeout_s=20, poll_interval_s=2, deadline_s=120)
    payments = [await momoflow.request_to_pay(_rtp(f"{10 + i}", label), timing=timing) for i in range(count)]
    for _ in range(100):
        states = [await p.status() for p in payments]
        if all(state.status is PaymentStatus.PENDING for state in states):
            return payments
        await asyncio.sleep(0.1)
    raise AssertionError("payments never all pending")


async def test_gateway_killed_during_callbacks(stack: Stack) -> None:
    """The gateway dies while customers approve; callbacks fail. Payments still end as MoMo says."""
    balance = await _collection_balance(stack)
    failed_before = (await stack.sandbox_stats())["callbacks"]["failed"]
    payments = await _pending_payments(stack, 8, "GWKILL")
    assert stack.gateway is not None
    stack.gateway.kill()
    await asyncio.sleep(5)  # every customer approves now; MoMo's callbacks find no gateway
    await stack.start_gateway()
    results = await asyncio.wait_for(asyncio.gather(*(p.result() for p in payments)), 60)
    assert [r.status for r in results] == [PaymentStatus.SUCCESSFUL] * len(payments)
    assert (await stack.sandbox_stats())["callbacks"]["failed"] > failed_before
    await _check_against_sandbox(stack, results, balance)


async def test_temporal_server_killed_and_restarted_on_the_same_database(stack: Stack) -> None:
    """SIGKILL the Temporal server with payments in flight, restart it on its database."""
    balance = await _collection_balance(stack)
    payments = await _pending_payments(stack, 8, "TKILL")
    ids = [p.workflow_id for p in payments]
    assert stack.temporal is not None
    stack.temporal.kill()
    await asyncio.sleep(5)  # customers approve; callbacks reach a gateway that cannot signal
    await stack.start_temporal()
    momoflow = stack.momoflow()  # a client of the restarted server
    results = await asyncio.wait_for(asyncio.gather(*(momoflow.handle(i).result() for i in ids)), 90)
    assert [r.status for r in results] == [PaymentStatus.SUCCESSFUL] * len(ids)
    await _check_against_sandbox(stack, results, balance)
