"""Request to Withdraw and delivery notifications through the real stack: dev server, sandbox,
gateway and worker as processes over loopback, driven by the facade and the CLI."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio

from devstack import Stack, StackConfig
from momoflow.contract import DeliveryNotificationResult
from momoflow.models import PaymentStatus
from momoflow.operations import DeliveryNotificationInput
from starter.deliveries import note_key
from starter.facade import IdempotencyConflict, OperationFailed
from tests.integration.conftest import FAST_SANDBOX, TIMING
from tests.integration.test_cli_operations import cli, one_line_error

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

# Notes are taken for this long after a payment succeeded, one a second at most.
WINDOW_S = 8.0
NOTES = {"SANDBOX_DELIVERY_NOTIFICATION_WINDOW_S": str(WINDOW_S), "SANDBOX_DELIVERY_NOTIFICATION_INTERVAL_S": "1"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    config = StackConfig.ephemeral(Path(tmp_path_factory.mktemp("stack")), sandbox_env={**FAST_SANDBOX, **NOTES})
    running = await Stack(config).start()
    try:
        yield running
    finally:
        running.stop()


def _payer(number: str | None = None) -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": number or f"2567{random.randint(10_000_000, 99_999_999)}"}


def _key(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


async def _paid(stack: Stack, payer: str | None = None) -> tuple[str, str]:
    """A finished Request to Pay: its key and its MoMo reference id."""
    key = _key("ORD")
    payment = await stack.momoflow().request_to_pay(
        {"amount": "9.99", "currency": "EUR", "payer": _payer(payer), "external_id": key}, timing=TIMING
    )
    return key, (await payment.result()).reference_id


async def test_withdrawal_succeeds_through_the_callback_and_credits_the_collection_account(stack: Stack) -> None:
    momoflow = stack.momoflow()
    before = await momoflow.get_balance()
    payment = await momoflow.request_to_withdraw(
        {"amount": "20.50", "currency": "EUR", "payer": _payer(), "external_id": _key("CASH")}, timing=TIMING
    )
    state = await payment.result()
    assert payment.workflow_id.startswith("withdraw-")
    assert (state.operation, state.status) == ("request_to_withdraw", PaymentStatus.SUCCESSFUL)
    assert state.financial_transaction_id and state.callbacks_received >= 1
    assert (await momoflow.get_balance()).available_balance - before.available_balance == Decimal("20.50")
    assert (await stack.sandbox_stats())["posts_accepted"][state.reference_id] == 1


async def test_withdrawal_refused_by_the_payer_fails_with_momos_reason(stack: Stack) -> None:
    payment = await stack.momoflow().request_to_withdraw(
        {"amount": "5", "currency": "EUR", "payer": _payer("46733123451"), "external_id": _key("CASH")}, timing=TIMING
    )
    state = await payment.result()
    assert (state.status, state.reason) == (PaymentStatus.FAILED, "APPROVAL_REJECTED")


async def test_a_note_reaches_the_payer_once_per_note_key(stack: Stack) -> None:
    momoflow = stack.momoflow()
    key, reference_id = await _paid(stack)
    first = await momoflow.notify_delivery(key, "Receipt R-100 for your order", language="en")
    again = await momoflow.notify_delivery(key, "Receipt R-100 for your order", language="en")
    assert first == again and first.reference_id == reference_id and first.payment_workflow_id == f"rtp-{key}"
    assert (await stack.sandbox_stats())["delivery_notifications"][reference_id] == 1  # sent once
    with pytest.raises(IdempotencyConflict):  # the same note key with another text
        await momoflow.notify_delivery(key, "Another text", note_key=_derived_key(first))
    # A second note under its own key goes out too (after MoMo's 429 while it is too soon).
    second = await momoflow.notify_delivery(key, "Your parcel left the shop", note_key="parcel-1")
    assert second.reference_id == reference_id
    assert (await stack.sandbox_stats())["delivery_notifications"][reference_id] == 2


def _derived_key(result: DeliveryNotificationResult) -> str:
    """The note key the facade derived from a note's text."""
    inp = DeliveryNotificationInput(
        payment_workflow_id=result.payment_workflow_id, message=result.message, language=result.language
    )
    return note_key(inp, None)


async def test_a_failed_or_unknown_payment_is_refused_naming_its_state(stack: Stack) -> None:
    momoflow = stack.momoflow()
    key, _ = await _paid(stack, "46733123451")
    with pytest.raises(OperationFailed) as failed:
        await momoflow.notify_delivery(key, "Receipt R-101")
    assert failed.value.code == "PAYMENT_NOT_SUCCESSFUL" and "FAILED (APPROVAL_REJECTED)" in failed.value.message
    with pytest.raises(OperationFailed) as missing:
        await momoflow.notify_delivery(_key("NOPE"), "Receipt R-102")
    assert missing.value.code == "PAYMENT_NOT_FOUND"


async def test_after_momos_window_the_note_is_refused_as_expired(stack: Stack) -> None:
    key, reference_id = await _paid(stack)
    await asyncio.sleep(WINDOW_S + 0.5)
    with pytest.raises(OperationFailed) as expired:
        await stack.momoflow().notify_delivery(key, "Receipt R-103")
    assert expired.value.code == "NOTIFICATION_EXPIRED" and "expired" in expired.value.message
    assert reference_id not in (await stack.sandbox_stats())["delivery_notifications"]


async def test_the_cli_withdraws_and_notifies_with_exit_codes(stack: Stack) -> None:
    external_id = _key("CASH")
    done = await cli(stack, "request-to-withdraw", "--amount", "3", "--currency", "EUR", "--payer", "46733000007",
                     "--external-id", external_id, "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "SUCCESSFUL"
    key, _ = await _paid(stack)
    sent = await cli(stack, "notify-delivery", "--payment-key", key, "--message", "Receipt R-104", "--json")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["payment_workflow_id"] == f"rtp-{key}"
    refused = await cli(stack, "notify-delivery", "--payment-key", f"withdraw-{external_id}", "--message", "Receipt")
    assert refused.returncode == 6
    assert "no payment" in one_line_error(refused)
