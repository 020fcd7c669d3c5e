"""Refunds through the real stack: dev server, sandbox, gateway and worker over loopback.

The ledger's promise is checked against MoMo's side (the sandbox's own records): however
many refunds of one payment race from however many clients, only those that fit are sent,
each exactly once, and the money that leaves the disbursement account is exactly theirs.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from decimal import Decimal

import pytest

from devstack import Stack
from momoflow.models import PaymentState, PaymentStatus
from momoflow.settings import CodecSettings
from momoflow.temporal import connect
from starter.facade import Momoflow, StartError
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

ORIGINAL = Decimal("100")
EACH = Decimal("7.50")
REFUNDS = 20  # 20 × 7.50 = 150 > 100: 13 fit (97.50), 7 do not


def _key(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def _payer(number: str | None = None) -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": number or f"2567{random.randint(10_000_000, 99_999_999)}"}


async def _second_client(stack: Stack) -> Momoflow:
    """Another connection to the same Temporal, as another process of the caller would have."""
    keys = stack.codec_keys
    client = await connect(
        stack.config.temporal_settings(),
        CodecSettings(keys=keys, keys_file="", allow_plaintext=not keys),
        stack.client_env(),
    )
    return Momoflow(client, stack.config.temporal_settings())


async def _paid(momoflow: Momoflow, amount: Decimal) -> str:
    payment = await momoflow.request_to_pay(
        {"amount": str(amount), "currency": "EUR", "payer": _payer(), "external_id": _key("ORDER")}, timing=TIMING
    )
    assert (await payment.result()).status is PaymentStatus.SUCCESSFUL
    return payment.workflow_id


async def test_concurrent_partial_refunds_never_exceed_the_payment(stack: Stack) -> None:
    first = stack.momoflow()
    second = await _second_client(stack)
    original = await _paid(first, ORIGINAL)
    before = await first.get_balance(product="disbursement")
    posts_before = (await stack.sandbox_stats())["posts_accepted"]

    async def refund(i: int) -> PaymentState:
        key = _key(f"REFUND-{i}")
        request = {"original_key": original, "amount": str(EACH), "currency": "EUR", "external_id": key}
        handle = await (first, second)[i % 2].refund(request, key=key, timing=TIMING)
        return await handle.result()

    started = time.monotonic()
    results = await asyncio.gather(*(refund(i) for i in range(REFUNDS)))
    wall = time.monotonic() - started

    after = await first.get_balance(product="disbursement")
    posts = (await stack.sandbox_stats())["posts_accepted"]
    accepted = [r for r in results if r.status is PaymentStatus.SUCCESSFUL]
    refused = [r for r in results if r.status is PaymentStatus.FAILED]
    refunded = sum((r.amount for r in accepted), Decimal(0))
    refund_posts = {
        r.reference_id: posts.get(r.reference_id.lower(), 0) - posts_before.get(r.reference_id.lower(), 0)
        for r in results
    }
    ledger = await first.refund_ledger(original)
    print(
        f"\nrefunds: {REFUNDS} requests of {EACH} EUR on a payment of {ORIGINAL} EUR, two client connections;"
        f" accepted {len(accepted)}, refused {len(refused)};"
        f" refund POSTs {sum(refund_posts.values())} (accepted {sum(refund_posts[r.reference_id] for r in accepted)},"
        f" refused {sum(refund_posts[r.reference_id] for r in refused)});"
        f" refunded {refunded} of {ORIGINAL} EUR; disbursement balance moved {before.available_balance - after.available_balance};"
        f" wall {wall:.2f} s"
    )
    assert len(accepted) == int(ORIGINAL // EACH) == 13 and len(refused) == REFUNDS - 13
    assert all(r.financial_transaction_id for r in accepted)
    assert {r.reason for r in refused} == {"REFUND_EXCEEDS_REFUNDABLE"}
    assert all("exceeds what remains refundable" in (r.reason_message or "") for r in refused)
    assert all(refund_posts[r.reference_id] == 1 for r in accepted)
    assert all(refund_posts[r.reference_id] == 0 for r in refused)
    assert refunded == EACH * 13 <= ORIGINAL
    assert before.available_balance - after.available_balance == refunded
    assert ledger.refunded() == refunded and ledger.counted() == refunded


async def test_refund_of_a_pending_payment_is_refused_before_anything_is_sent(stack: Stack) -> None:
    momoflow = stack.momoflow()
    pending = await momoflow.request_to_pay(
        {"amount": "40", "currency": "EUR", "payer": _payer("46733123453"), "external_id": _key("ORDER")}, timing=TIMING
    )
    while (await pending.status()).status is not PaymentStatus.PENDING:
        await asyncio.sleep(0.1)
    posts_before = (await stack.sandbox_stats())["posts_accepted"]
    key = _key("REFUND")
    refund = await momoflow.refund(
        {"original_key": pending.workflow_id, "amount": "10", "currency": "EUR", "external_id": key},
        key=key,
        timing=TIMING,
    )
    state = await refund.result()
    posts_after = (await stack.sandbox_stats())["posts_accepted"]
    assert (state.status, state.reason) == (PaymentStatus.FAILED, "ORIGINAL_NOT_SUCCESSFUL")
    assert f"the payment {pending.workflow_id} is PENDING" in (state.reason_message or "")
    assert posts_after == posts_before  # nothing sent to MoMo
    with pytest.raises(StartError, match="original_key"):
        await momoflow.refund(
            {"original_key": "transfer-X", "amount": "1", "currency": "EUR", "external_id": "R"}, key=key
        )
