"""The customer side: what a customer sees, and their answers winning over the script."""

from __future__ import annotations

import uuid

import pytest

CUSTOMER = "46733123488"
OTHER_CUSTOMER = "46733123487"


async def test_lists_what_waits_for_the_customer(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=5.0)
    token = await sim.login()
    rtp, _ = await sim.request_to_pay(token, sim.rtp_body(CUSTOMER, amount="12.50"))
    approval, _ = await sim.create("preapproval", token, sim.pre_approval_body(CUSTOMER, validityTime=600))
    invoice, _ = await sim.create("invoice", token, sim.invoice_body(CUSTOMER))
    await sim.request_to_pay(token, sim.rtp_body(OTHER_CUSTOMER))
    payment_reference = (await sim.body_of("invoice", token, invoice))["paymentReference"]
    user = sim.state.store.token(token).api_user_id

    items = (await sim.customer("GET", f"/{CUSTOMER}/requests")).json()
    assert [item["kind"] for item in items] == ["requesttopay", "preapproval", "invoice"]
    first, second, third = items
    created = first.pop("created")
    assert first == {
        "kind": "requesttopay",
        "referenceId": rtp,
        "amount": "12.5",
        "currency": "EUR",
        "status": "PENDING",
        "payerMessage": "Pay for order 1",
        "partner": user,
    }
    assert second["referenceId"] == approval and second["validityTime"] == 600 and second["created"] == created
    assert third["paymentReference"] == payment_reference and "referenceId" not in third
    assert (third["amount"], third["description"]) == ("99.9", "Invoice for order 1")
    assert third["expiry"] == (await sim.body_of("invoice", token, invoice))["expiryDateTime"]

    sim.clock.advance(5.0)  # everything decided itself
    assert (await sim.customer("GET", f"/{CUSTOMER}/requests")).json() == []


async def test_approve_a_request_to_pay(make_sim, callback_receiver):
    sim = make_sim(manual_clock=True, approval_delay_s=60.0)
    token = await sim.login()
    url = callback_receiver.fresh_url()
    rtp, _ = await sim.request_to_pay(token, sim.rtp_body(CUSTOMER, amount="20"), callback_url=url)
    response = await sim.customer("POST", f"/requests/{rtp}/approve")
    assert response.status_code == 200
    assert response.json() == {"referenceId": rtp, "kind": "requesttopay", "status": "SUCCESSFUL"}
    body = (await sim.status(token, rtp)).json()
    assert body["status"] == "SUCCESSFUL" and body["financialTransactionId"]
    assert await sim.balance(token) == "20"
    [callback] = await callback_receiver.wait_for(url)
    assert (callback.method, callback.json()) == ("POST", body)

    again = await sim.customer("POST", f"/requests/{rtp}/reject")
    assert (again.status_code, again.json()["code"]) == (409, "NOT_PENDING")
    sim.clock.advance(60.0)  # the script's own decision no longer applies
    assert (await sim.status(token, rtp)).json() == body


async def test_manual_answer_beats_the_test_number(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    token = await sim.login()
    rejected_by_script, _ = await sim.request_to_pay(token, sim.rtp_body("46733123451"))
    assert (await sim.customer("POST", f"/requests/{rejected_by_script}/approve")).status_code == 200
    approved_by_script, _ = await sim.request_to_pay(token, sim.rtp_body(CUSTOMER))
    assert (await sim.customer("POST", f"/requests/{approved_by_script}/reject")).status_code == 200
    sim.clock.advance(1.0)
    assert (await sim.status(token, rejected_by_script)).json()["status"] == "SUCCESSFUL"
    rejected = (await sim.status(token, approved_by_script)).json()
    assert (rejected["status"], rejected["reason"]) == ("FAILED", "APPROVAL_REJECTED")


async def test_too_late_once_the_script_decided(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    token = await sim.login()
    rtp, _ = await sim.request_to_pay(token, sim.rtp_body(CUSTOMER))
    sim.clock.advance(1.0)  # nobody has read the status yet: the customer side settles first
    response = await sim.customer("POST", f"/requests/{rtp}/reject")
    assert response.status_code == 409


async def test_approve_and_reject_pre_approvals(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=60.0)
    token = await sim.login()
    yes, _ = await sim.create("preapproval", token, sim.pre_approval_body(CUSTOMER))
    no, _ = await sim.create("preapproval", token, sim.pre_approval_body(CUSTOMER))
    assert (await sim.customer("POST", f"/requests/{yes}/approve")).json()["status"] == "SUCCESSFUL"
    assert (await sim.customer("POST", f"/requests/{no}/reject")).json()["status"] == "FAILED"
    assert (await sim.body_of("preapproval", token, yes))["status"] == "SUCCESSFUL"
    assert (await sim.body_of("preapproval", token, no))["reason"]["code"] == "APPROVAL_REJECTED"


async def test_unknown_or_unanswerable_references_are_404(sim):
    assert (await sim.customer("POST", f"/requests/{uuid.uuid4()}/approve")).status_code == 404
    token = await sim.login_disbursement()
    transfer, _ = await sim.create("transfer", token, sim.transfer_body())
    response = await sim.customer("POST", f"/requests/{transfer}/approve")
    assert (response.status_code, response.json()["code"]) == (404, "RESOURCE_NOT_FOUND")


async def test_pay_an_invoice_by_hand(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=60.0)
    token = await sim.login()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body(CUSTOMER, amount="30"))
    reference = (await sim.body_of("invoice", token, invoice))["paymentReference"]

    stranger = await sim.customer("POST", f"/invoices/{reference}/pay", json={"payer": OTHER_CUSTOMER})
    assert (stranger.status_code, stranger.json()["code"]) == (403, "NOT_INTENDED_PAYER")
    paid = await sim.customer("POST", f"/invoices/{reference}/pay", json={"payer": CUSTOMER})
    assert (paid.status_code, paid.json()) == (200, {"paymentReference": reference, "status": "SUCCESSFUL"})
    assert (await sim.body_of("invoice", token, invoice))["status"] == "SUCCESSFUL"
    assert await sim.balance(token) == "30"
    again = await sim.customer("POST", f"/invoices/{reference}/pay", json={"payer": CUSTOMER})
    assert (again.status_code, again.json()["code"]) == (409, "NOT_OPEN")
    assert await sim.balance(token) == "30"  # paid once


async def test_pay_refusals(make_sim):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    invoice, _ = await sim.create("invoice", token, sim.invoice_body("46733123453", validityDuration="5"))
    reference = (await sim.body_of("invoice", token, invoice))["paymentReference"]
    assert (await sim.customer("POST", "/invoices/1234567890/pay", json={"payer": CUSTOMER})).status_code == 404
    assert (await sim.customer("POST", f"/invoices/{reference}/pay", json={})).status_code == 400
    assert (await sim.customer("POST", f"/invoices/{reference}/pay", content=b"nope")).status_code == 400
    sim.clock.advance(5.0)
    expired = await sim.customer("POST", f"/invoices/{reference}/pay", json={"payer": "46733123453"})
    assert expired.status_code == 409


# --------------------------------------------------------------------------- auto_decide=False


@pytest.fixture
def manual_sim(make_sim):
    return make_sim(manual_clock=True, auto_decide=False, approval_delay_s=1.0, approval_timeout_s=300.0)


async def test_without_auto_decide_ordinary_payers_wait_then_time_out(manual_sim):
    sim = manual_sim
    token = await sim.login()
    rtp, _ = await sim.request_to_pay(token, sim.rtp_body(CUSTOMER))
    approval, _ = await sim.create("preapproval", token, sim.pre_approval_body(CUSTOMER))
    sim.clock.advance(299.999)
    assert (await sim.status(token, rtp)).json()["status"] == "PENDING"
    assert (await sim.body_of("preapproval", token, approval))["status"] == "PENDING"
    sim.clock.advance(0.001)
    timed_out = (await sim.status(token, rtp)).json()
    assert (timed_out["status"], timed_out["reason"]) == ("FAILED", "COULD_NOT_PERFORM_TRANSACTION")
    expired = await sim.body_of("preapproval", token, approval)
    assert (expired["status"], expired["reason"]["code"]) == ("FAILED", "EXPIRED")


async def test_without_auto_decide_the_customer_answers(manual_sim):
    sim = manual_sim
    token = await sim.login()
    rtp, _ = await sim.request_to_pay(token, sim.rtp_body(CUSTOMER, amount="15"))
    sim.clock.advance(100.0)
    assert (await sim.customer("POST", f"/requests/{rtp}/approve")).status_code == 200
    sim.clock.advance(300.0)  # the time-out no longer applies
    assert (await sim.status(token, rtp)).json()["status"] == "SUCCESSFUL"
    assert await sim.balance(token) == "15"


async def test_without_auto_decide_test_numbers_keep_their_script(manual_sim):
    sim = manual_sim
    token = await sim.login()
    rejected, _ = await sim.request_to_pay(token, sim.rtp_body("46733123451"))
    ongoing, _ = await sim.request_to_pay(token, sim.rtp_body("46733123453"))
    sim.clock.advance(1.0)
    assert (await sim.status(token, rejected)).json()["reason"] == "APPROVAL_REJECTED"
    sim.clock.advance(1000.0)
    assert (await sim.status(token, ongoing)).json()["status"] == "PENDING"  # no time-out for "Ongoing"


async def test_without_auto_decide_invoices_are_paid_only_by_hand(manual_sim):
    sim = manual_sim
    token = await sim.login()
    kept, _ = await sim.create("invoice", token, sim.invoice_body(CUSTOMER, validityDuration="600"))
    paid, _ = await sim.create("invoice", token, sim.invoice_body(CUSTOMER, validityDuration="600"))
    sim.clock.advance(100.0)
    assert (await sim.body_of("invoice", token, kept))["status"] == "PENDING"
    reference = (await sim.body_of("invoice", token, paid))["paymentReference"]
    assert (await sim.customer("POST", f"/invoices/{reference}/pay", json={"payer": CUSTOMER})).status_code == 200
    sim.clock.advance(500.0)
    assert (await sim.body_of("invoice", token, kept))["errorReason"]["code"] == "EXPIRED"
    assert (await sim.body_of("invoice", token, paid))["status"] == "SUCCESSFUL"


# --------------------------------------------------------------------------- the page


@pytest.mark.parametrize("path", ["", "/"])
async def test_the_page_is_self_contained_html(sim, path):
    response = await sim.customer("GET", path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for endpoint in ("/requests", "/approve", "/reject", "/pay"):
        assert endpoint in page
    assert "http://" not in page and "https://" not in page and "<link" not in page and "src=" not in page
    assert "innerHTML" not in page  # server text goes in as text, never as markup


async def test_customer_side_needs_no_credentials_and_is_never_faulted(sim):
    await sim.http.put("/sandbox/faults", json={"api_error_rate": 1.0})
    assert (await sim.customer("GET", f"/{CUSTOMER}/requests")).status_code == 200
    assert (await sim.customer("GET", "")).status_code == 200
