"""One callback per final state for every asynchronous operation: POST for v1, PUT for v2."""

from __future__ import annotations

import asyncio
import uuid

import pytest

CUSTOMER = "46733123486"


@pytest.fixture
def sim(make_sim):
    """Outcomes at once: these tests are about delivery, not timing."""
    return make_sim(approval_delay_s=0, cancel_delay_s=0)


async def _quiet(sim, timeout_s: float = 3.0) -> None:
    for _ in range(int(timeout_s / 0.01)):
        if sim.state.notifier.pending == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("callbacks still in flight")


async def _exactly_one(sim, receiver, url):
    [callback] = await receiver.wait_for(url)
    await _quiet(sim)
    await asyncio.sleep(0.02)
    assert len(receiver.received(url)) == 1
    return callback


async def test_transfer_callback_is_a_post_of_the_transfer_result(sim, callback_receiver):
    token = await sim.login_disbursement()
    url = callback_receiver.fresh_url()
    reference_id, _ = await sim.create("transfer", token, sim.transfer_body(), callback_url=url)
    callback = await _exactly_one(sim, callback_receiver, url)
    assert callback.method == "POST"
    assert callback.headers["user-agent"] == "LWAC Http Client 1.0"
    assert callback.json() == await sim.body_of("transfer", token, reference_id)
    assert callback.json()["status"] == "SUCCESSFUL"


async def test_failed_transfer_callback_carries_the_reason(sim, callback_receiver):
    token = await sim.login_disbursement()
    url = callback_receiver.fresh_url()
    await sim.create("transfer", token, sim.transfer_body("46733123457"), callback_url=url)
    callback = await _exactly_one(sim, callback_receiver, url)
    assert (callback.json()["status"], callback.json()["reason"]) == ("FAILED", "PAYEE_NOT_FOUND")


async def test_pre_approval_callback_is_a_put(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    reference_id, _ = await sim.create("preapproval", token, sim.pre_approval_body(), callback_url=url)
    callback = await _exactly_one(sim, callback_receiver, url)
    assert callback.method == "PUT"
    assert callback.json() == await sim.body_of("preapproval", token, reference_id)
    assert callback.json()["status"] == "SUCCESSFUL" and callback.json()["expirationDateTime"]


async def test_rejected_pre_approval_callback(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    await sim.create("preapproval", token, sim.pre_approval_body("46733123451"), callback_url=url)
    callback = await _exactly_one(sim, callback_receiver, url)
    assert callback.json()["reason"]["code"] == "APPROVAL_REJECTED"


async def test_paid_invoice_callback_is_a_put(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    reference_id, _ = await sim.create("invoice", token, sim.invoice_body(), callback_url=url)
    callback = await _exactly_one(sim, callback_receiver, url)
    assert callback.method == "PUT"
    assert callback.json() == await sim.body_of("invoice", token, reference_id)
    assert callback.json()["status"] == "SUCCESSFUL"


async def test_expired_invoice_callback(make_sim, callback_receiver):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    url = callback_receiver.fresh_url()
    body = sim.invoice_body("46733123453", validityDuration="60")
    reference_id, _ = await sim.create("invoice", token, body, callback_url=url)
    sim.clock.advance(60.0)
    body = await sim.body_of("invoice", token, reference_id)  # any call moves the world forward
    [callback] = await callback_receiver.wait_for(url)
    assert callback.method == "PUT" and callback.json() == body
    assert body["errorReason"]["code"] == "EXPIRED"


async def test_cancellation_and_cancelled_invoice_each_call_back(sim, callback_receiver):
    token = await sim.login()
    invoice_url, cancel_url = callback_receiver.fresh_url(), callback_receiver.fresh_url()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body("46733123453"), callback_url=invoice_url)
    cancel, response = await sim.cancel_invoice(token, invoice, callback_url=cancel_url)
    assert response.status_code == 202
    cancelled = await _exactly_one(sim, callback_receiver, cancel_url)
    assert cancelled.method == "PUT"
    assert cancelled.json() == {"referenceId": cancel, "externalId": "invoice-1", "status": "SUCCESSFUL"}
    [invoice_callback] = callback_receiver.received(invoice_url)
    assert invoice_callback.method == "PUT"
    assert invoice_callback.json()["errorReason"]["code"] == "TRANSACTION_CANCELED"
    assert invoice_callback.json() == await sim.body_of("invoice", token, invoice)


async def test_invoice_callback_on_cancellation_even_if_only_the_invoice_has_a_url(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body("46733123453"), callback_url=url)
    await sim.cancel_invoice(token, invoice)  # no X-Callback-Url on the DELETE
    [callback] = await callback_receiver.wait_for(url)
    assert callback.json()["status"] == "FAILED"


async def test_refused_cancellation_calls_back_failed(sim, callback_receiver):
    token = await sim.login()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body())  # paid at once
    url = callback_receiver.fresh_url()
    await sim.cancel_invoice(token, invoice, callback_url=url)
    callback = await _exactly_one(sim, callback_receiver, url)
    assert callback.json()["errorReason"] == {"code": "NOT_ALLOWED", "message": "Invoice is not open."}


async def test_pre_approved_debit_calls_back_at_once(sim, callback_receiver):
    token = await sim.login()
    await sim.create("preapproval", token, sim.pre_approval_body(CUSTOMER))
    url = callback_receiver.fresh_url()
    await sim.request_to_pay(token, sim.rtp_body(CUSTOMER), callback_url=url)
    callback = await _exactly_one(sim, callback_receiver, url)
    assert (callback.method, callback.json()["status"]) == ("POST", "SUCCESSFUL")


async def test_customer_answer_calls_back(make_sim, callback_receiver):
    sim = make_sim(auto_decide=False)
    token = await sim.login()
    rtp_url, approval_url = callback_receiver.fresh_url(), callback_receiver.fresh_url()
    rtp, _ = await sim.request_to_pay(token, sim.rtp_body(CUSTOMER), callback_url=rtp_url)
    approval, _ = await sim.create("preapproval", token, sim.pre_approval_body(CUSTOMER), callback_url=approval_url)
    await asyncio.sleep(0.03)
    assert callback_receiver.received(rtp_url) == []
    await sim.customer("POST", f"/requests/{rtp}/reject")
    await sim.customer("POST", f"/requests/{approval}/approve")
    [rtp_callback] = await callback_receiver.wait_for(rtp_url)
    [approval_callback] = await callback_receiver.wait_for(approval_url)
    assert (rtp_callback.method, rtp_callback.json()["reason"]) == ("POST", "APPROVAL_REJECTED")
    assert (approval_callback.method, approval_callback.json()["status"]) == ("PUT", "SUCCESSFUL")


async def test_time_out_calls_back_when_the_clock_says_so(make_sim, callback_receiver):
    sim = make_sim(manual_clock=True, auto_decide=False, approval_timeout_s=300.0)
    token = await sim.login()
    url = callback_receiver.fresh_url()
    await sim.request_to_pay(token, sim.rtp_body(CUSTOMER), callback_url=url)
    sim.clock.advance(300.0)
    # A timer notices the hand-moved clock within a second; any call notices it at once.
    await sim.http.get("/sandbox/stats")
    [callback] = await callback_receiver.wait_for(url)
    assert callback.json()["reason"] == "COULD_NOT_PERFORM_TRANSACTION"


@pytest.mark.parametrize(("version", "method"), [("v1", "POST"), ("v2", "PUT")])
async def test_refund_callback_method_follows_the_version(sim, callback_receiver, version, method):
    """MTN's refund: v1 calls back with POST, v2 with PUT; the body is the refund's status (v1 GET)."""
    from tests.sandbox.conftest import rtp_body

    collection, disbursement = await sim.login(), await sim.login_disbursement()
    paid, _ = await sim.request_to_pay(collection, rtp_body(amount="100"))
    await sim.wait_for("requesttopay", collection, paid, "SUCCESSFUL")
    url = callback_receiver.fresh_url()
    reference_id = str(uuid.uuid4())
    body = {
        "amount": "25",
        "currency": "EUR",
        "externalId": "refund-1",
        "payerMessage": "",
        "payeeNote": "",
        "referenceIdToRefund": paid,
    }
    headers = sim.product_headers(
        disbursement, "disbursement", **{"X-Reference-Id": reference_id, "X-Callback-Url": url}
    )
    response = await sim.http.post(f"/disbursement/{version}_0/refund", json=body, headers=headers)
    assert response.status_code == 202, response.text
    callback = await _exactly_one(sim, callback_receiver, url)
    assert callback.method == method
    status = await sim.http.get(
        f"/disbursement/v1_0/refund/{reference_id}", headers=sim.product_headers(disbursement, "disbursement")
    )
    assert callback.json() == status.json()
    assert callback.json()["status"] == "SUCCESSFUL"
