"""Invoices: creation, the three ways an open invoice ends, and cancellation as its own operation."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest

NOT_FOUND = {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}
NOT_PAYING = "46733123453"  # never pays by itself


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f")


async def test_open_invoice_shape(make_sim):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    reference_id, response = await sim.create("invoice", token, sim.invoice_body(NOT_PAYING))
    assert (response.status_code, response.content) == (202, b"")
    body = await sim.body_of("invoice", token, reference_id)
    assert re.fullmatch(r"\d{10}", body.pop("paymentReference"))
    assert re.fullmatch(r"\d+", body.pop("invoiceId"))
    expiry = body.pop("expiryDateTime")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", expiry)
    assert body == {
        "referenceId": reference_id,
        "externalId": "invoice-1",
        "amount": "99.9",
        "currency": "EUR",
        "status": "PENDING",
        "intendedPayer": {"partyIdType": "MSISDN", "partyId": NOT_PAYING},
        "description": "Invoice for order 1",
        "payeeFirstName": "Sand",
        "payeeLastName": "Box",
    }
    sim.clock.advance(10.0)  # expiry is fixed at creation + validityDuration, not "now + ..."
    assert (await sim.body_of("invoice", token, reference_id))["expiryDateTime"] == expiry


async def test_ordinary_payer_pays_after_the_delay_and_the_money_is_collected(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    token = await sim.login()
    reference_id, _ = await sim.create("invoice", token, sim.invoice_body())
    sim.clock.advance(1.9)
    assert (await sim.body_of("invoice", token, reference_id))["status"] == "PENDING"
    sim.clock.advance(0.1)
    paid = await sim.body_of("invoice", token, reference_id)
    assert paid["status"] == "SUCCESSFUL" and "errorReason" not in paid
    assert await sim.balance(token) == "99.9"


@pytest.mark.parametrize("payer", ["46733123451", "46733123453"])
async def test_non_paying_payers_leave_it_open_until_it_expires(make_sim, payer):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    token = await sim.login()
    reference_id, _ = await sim.create("invoice", token, sim.invoice_body(payer, validityDuration="60"))
    sim.clock.advance(59.999)
    assert (await sim.body_of("invoice", token, reference_id))["status"] == "PENDING"
    sim.clock.advance(0.001)
    expired = await sim.body_of("invoice", token, reference_id)
    assert expired["status"] == "FAILED"
    assert expired["errorReason"] == {"code": "EXPIRED", "message": "The invoice expired before it was paid."}
    assert await sim.balance(token) == "0"


async def test_expiry_before_the_payer_gets_round_to_it(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=5.0)
    token = await sim.login()
    reference_id, _ = await sim.create("invoice", token, sim.invoice_body(validityDuration=5))  # integer accepted too
    sim.clock.advance(5.0)
    assert (await sim.body_of("invoice", token, reference_id))["errorReason"]["code"] == "EXPIRED"


async def test_payment_references_are_unique(sim):
    token = await sim.login()
    references = set()
    for _ in range(30):
        reference_id, _ = await sim.create("invoice", token, sim.invoice_body(NOT_PAYING))
        references.add((await sim.body_of("invoice", token, reference_id))["paymentReference"])
    assert len(references) == 30


BAD_BODIES = {
    "amount-missing": ({"amount": None}, "amount"),
    "validity-missing": ({"validityDuration": None}, "validityDuration"),
    "validity-zero": ({"validityDuration": "0"}, "validityDuration"),
    "validity-text": ({"validityDuration": "an hour"}, "validityDuration"),
    "validity-fraction": ({"validityDuration": "1.5"}, "validityDuration"),
    "intended-payer-missing": ({"intendedPayer": None}, "intendedPayer"),
    "payee-missing": ({"payee": None}, "payee"),
    "description-long": ({"description": "d" * 161}, "description"),
    "description-apostrophe": ({"description": "Bob's order"}, "description"),
    "external-id-number": ({"externalId": 5}, "externalId"),
}


@pytest.mark.parametrize("change,field", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_invalid_body_is_400(sim, change, field):
    token = await sim.login()
    body = {k: v for k, v in {**sim.invoice_body(), **change}.items() if v is not None}
    reference_id, response = await sim.create("invoice", token, body)
    assert response.status_code == 400 and field in response.json()["message"]
    assert (await sim.read("invoice", token, reference_id)).status_code == 404


async def test_409_currency_callback_host_and_privacy(sim):
    token, stranger = await sim.login(callback_host="127.0.0.1"), await sim.login()
    reference_id, _ = await sim.create("invoice", token, sim.invoice_body())
    assert (await sim.create("invoice", token, sim.invoice_body(), reference_id=reference_id))[1].status_code == 409
    _, currency = await sim.create("invoice", token, sim.invoice_body(currency="UGX"))
    assert (currency.status_code, currency.json()["code"]) == (500, "INVALID_CURRENCY")
    _, host = await sim.create("invoice", token, sim.invoice_body(), callback_url="http://evil.example/cb")
    assert (host.status_code, host.json()["code"]) == (500, "INVALID_CALLBACK_URL_HOST")
    assert (await sim.read("invoice", stranger, reference_id)).json() == NOT_FOUND


# --------------------------------------------------------------------------- cancellation


async def test_cancel_an_open_invoice(make_sim):
    sim = make_sim(manual_clock=True, cancel_delay_s=0.5)
    token = await sim.login()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body(NOT_PAYING))
    cancel, response = await sim.cancel_invoice(token, invoice, external_id="cancel-1")
    assert (response.status_code, response.content) == (202, b"")
    assert cancel != invoice
    cancellation = {"referenceId": cancel, "externalId": "cancel-1"}
    assert await sim.body_of("invoice", token, cancel) == {**cancellation, "status": "PENDING"}
    assert (await sim.body_of("invoice", token, invoice))["status"] == "PENDING"

    sim.clock.advance(0.5)
    assert await sim.body_of("invoice", token, cancel) == {**cancellation, "status": "SUCCESSFUL"}
    cancelled = await sim.body_of("invoice", token, invoice)
    assert cancelled["status"] == "FAILED"
    assert cancelled["errorReason"] == {"code": "TRANSACTION_CANCELED", "message": "The invoice was cancelled."}
    stats = await sim.stats()
    assert stats["posts_accepted"] == {invoice: 1, cancel: 1}


@pytest.mark.parametrize("how", ["paid", "expired", "cancelled"])
async def test_cancelling_an_invoice_that_is_no_longer_open_fails(make_sim, how):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, cancel_delay_s=0.5)
    token = await sim.login()
    payer = sim.ORDINARY_PAYER if how == "paid" else NOT_PAYING
    invoice, _ = await sim.create("invoice", token, sim.invoice_body(payer, validityDuration="10"))
    if how == "cancelled":
        await sim.cancel_invoice(token, invoice)
    sim.clock.advance(10.0)
    before = await sim.body_of("invoice", token, invoice)
    late, response = await sim.cancel_invoice(token, invoice)
    assert response.status_code == 202  # refused asynchronously, like MTN's other outcomes
    sim.clock.advance(0.5)
    assert await sim.body_of("invoice", token, late) == {
        "referenceId": late,
        "externalId": "invoice-1",
        "status": "FAILED",
        "errorReason": {"code": "NOT_ALLOWED", "message": "Invoice is not open."},
    }
    assert await sim.body_of("invoice", token, invoice) == before  # unchanged
    assert await sim.balance(token) == ("99.9" if how == "paid" else "0")


async def test_cancellation_refusals(sim):
    token, stranger = await sim.login(callback_host="127.0.0.1"), await sim.login()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body(NOT_PAYING))

    _, reuse_invoice_id = await sim.cancel_invoice(token, invoice, reference_id=invoice)
    assert (reuse_invoice_id.status_code, reuse_invoice_id.json()["code"]) == (409, "RESOURCE_ALREADY_EXIST")
    cancel, first = await sim.cancel_invoice(token, invoice)
    assert first.status_code == 202
    _, reuse = await sim.cancel_invoice(token, invoice, reference_id=cancel)
    assert reuse.status_code == 409

    _, missing_header = await sim.cancel_invoice(token, invoice, headers={"X-Reference-Id": ""})
    assert missing_header.status_code == 400 and "X-Reference-Id" in missing_header.json()["message"]
    _, no_external_id = await sim.cancel_invoice(token, invoice, external_id=None)
    assert no_external_id.status_code == 400 and "externalId" in no_external_id.json()["message"]
    _, bad_path = await sim.cancel_invoice(token, "not-a-uuid")
    assert bad_path.status_code == 400
    _, unknown = await sim.cancel_invoice(token, str(uuid.uuid4()))
    assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
    _, foreign = await sim.cancel_invoice(stranger, invoice)
    assert foreign.status_code == 404
    _, host = await sim.cancel_invoice(token, invoice, callback_url="http://evil.example/cb")
    assert (host.status_code, host.json()["code"]) == (500, "INVALID_CALLBACK_URL_HOST")

    stats = await sim.stats()
    assert stats["posts_accepted"] == {invoice: 1, cancel: 1}
    assert stats["posts_rejected_duplicate"] == {invoice: 1, cancel: 1}


async def test_zero_cancel_delay_cancels_at_once(make_sim):
    sim = make_sim(manual_clock=True, cancel_delay_s=0)
    token = await sim.login()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body(NOT_PAYING))
    cancel, _ = await sim.cancel_invoice(token, invoice)
    assert (await sim.body_of("invoice", token, cancel))["status"] == "SUCCESSFUL"
    assert (await sim.body_of("invoice", token, invoice))["errorReason"]["code"] == "TRANSACTION_CANCELED"


async def test_invoice_paid_lifecycle_in_real_time(sim):
    token = await sim.login()
    reference_id, _ = await sim.create("invoice", token, sim.invoice_body(amount="5"))
    await sim.wait_for("invoice", token, reference_id, "SUCCESSFUL")
    assert await sim.balance(token) == "5"


def test_expiry_is_creation_plus_validity():
    from sandbox.world.status_bodies import WallClock, mtn_datetime

    ticks = iter([100.0])
    wall = WallClock(lambda: next(ticks), origin=datetime(2026, 1, 1, 12, 0, 0, 250_000))
    assert mtn_datetime(wall.at(100.0 + 3600)) == "2026-01-01T13:00:00.250"
    assert wall.at(100.0) + timedelta(seconds=1) == wall.at(101.0)
