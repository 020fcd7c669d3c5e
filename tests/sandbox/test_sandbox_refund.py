"""Disbursement refunds: v1 and v2 POSTs, the status GET, MTN's test values and the refunded payment's checks."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import ORDINARY_PAYER


async def _refund(
    sim: Any, token: str, reference_id_to_refund: str, amount: str = "10", version: str = "v2", **extra: str
) -> str:
    reference_id = str(uuid.uuid4())
    body = {
        "amount": amount,
        "currency": extra.get("currency", "EUR"),
        "externalId": "refund-1",
        "payerMessage": "Refund",
        "payeeNote": "Sorry",
        "referenceIdToRefund": reference_id_to_refund,
    }
    headers = sim.product_headers(token, "disbursement", **{"X-Reference-Id": reference_id})
    response: httpx.Response = await sim.http.post(f"/disbursement/{version}_0/refund", json=body, headers=headers)
    assert (response.status_code, response.content) == (202, b""), response.text
    return reference_id


async def _status(sim: Any, token: str, reference_id: str) -> dict[str, Any]:
    response = await sim.http.get(
        f"/disbursement/v1_0/refund/{reference_id}", headers=sim.product_headers(token, "disbursement")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _paid(sim: Any, collection: str, payer: str = ORDINARY_PAYER, amount: str = "100") -> str:
    from tests.sandbox.conftest import rtp_body

    reference_id, response = await sim.request_to_pay(collection, rtp_body(payer, amount=amount))
    assert response.status_code == 202
    sim.clock.advance(2.0)
    return reference_id


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_refund_of_a_successful_payment_pays_its_payer(make_sim: Any, version: str) -> None:
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    collection, disbursement = await sim.login(), await sim.login_disbursement()
    original = await _paid(sim, collection)
    refund = await _refund(sim, disbursement, original, "40", version)
    assert (await _status(sim, disbursement, refund))["status"] == "PENDING"
    sim.clock.advance(2.0)
    final = await _status(sim, disbursement, refund)
    assert final["status"] == "SUCCESSFUL" and final["amount"] == "40"
    assert final["payee"] == {"partyIdType": "MSISDN", "partyId": ORDINARY_PAYER}
    assert await sim.balance(disbursement, "disbursement") == "999960"


async def test_refund_of_an_unknown_reference_id_fails_not_found(make_sim: Any) -> None:
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    disbursement = await sim.login_disbursement()
    refund = await _refund(sim, disbursement, str(uuid.uuid4()))
    sim.clock.advance(2.0)
    final = await _status(sim, disbursement, refund)
    assert (final["status"], final["reason"]) == ("FAILED", "RESOURCE_NOT_FOUND")


async def test_refund_of_a_payment_that_did_not_succeed_is_not_allowed(make_sim: Any) -> None:
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    collection, disbursement = await sim.login(), await sim.login_disbursement()
    rejected = await _paid(sim, collection, payer="46733123451")
    refund = await _refund(sim, disbursement, rejected)
    sim.clock.advance(2.0)
    final = await _status(sim, disbursement, refund)
    assert (final["status"], final["reason"]) == ("FAILED", "NOT_ALLOWED")


async def test_refunds_beyond_the_amount_are_not_allowed(make_sim: Any) -> None:
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    collection, disbursement = await sim.login(), await sim.login_disbursement()
    original = await _paid(sim, collection, amount="100")
    first = await _refund(sim, disbursement, original, "70")
    second = await _refund(sim, disbursement, original, "31")
    sim.clock.advance(2.0)
    assert (await _status(sim, disbursement, first))["status"] == "SUCCESSFUL"
    assert (await _status(sim, disbursement, second))["reason"] == "NOT_ALLOWED"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1", "RESOURCE_NOT_FOUND"),
        ("2", "INTERNAL_PROCESSING_ERROR"),
        ("3", "APPROVAL_REJECTED"),
        ("7", "NOT_ALLOWED"),
        ("10", "INVALID_CURRENCY"),
        ("13", "COULD_NOT_PERFORM_TRANSACTION"),
    ],
)
async def test_mtn_test_values_fail_as_named(make_sim: Any, value: str, reason: str) -> None:
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    disbursement = await sim.login_disbursement()
    refund = await _refund(sim, disbursement, value)
    sim.clock.advance(2.0)
    final = await _status(sim, disbursement, refund)
    assert (final["status"], final["reason"]) == ("FAILED", reason)


async def test_ongoing_test_value_stays_pending(make_sim: Any) -> None:
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    disbursement = await sim.login_disbursement()
    refund = await _refund(sim, disbursement, "5")
    sim.clock.advance(600.0)
    assert (await _status(sim, disbursement, refund))["status"] == "PENDING"
