"""Disbursement transfers: acceptance, refusals, payee test numbers and the money they move."""

from __future__ import annotations

import re
import uuid

import pytest

NOT_FOUND = {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}
DUPLICATE = {"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated reference id. Creation of resource failed."}
BAD_TOKEN = {"statusCode": 401, "message": "Access denied due to invalid or expired access token."}

FAILING_PAYEES = {
    "46733123450": "INTERNAL_PROCESSING_ERROR",
    "46733123451": "APPROVAL_REJECTED",
    "46733123452": "EXPIRED",
    "46733123455": "NOT_ENOUGH_FUNDS",
    "46733123456": "PAYER_LIMIT_REACHED",
    "46733123457": "PAYEE_NOT_FOUND",
    "46733123458": "NOT_ALLOWED",
    "46733123459": "NOT_ALLOWED_TARGET_ENVIRONMENT",
    "46733123460": "INVALID_CALLBACK_URL_HOST",
    "46733123461": "INVALID_CURRENCY",
    "46733123462": "INTERNAL_PROCESSING_ERROR",
    "46733123463": "SERVICE_UNAVAILABLE",
}


async def test_accepted_then_successful_with_the_transfer_result(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    token = await sim.login_disbursement()
    reference_id, response = await sim.create("transfer", token, sim.transfer_body(amount="12.50"))
    assert (response.status_code, response.content) == (202, b"")
    pending = await sim.body_of("transfer", token, reference_id)
    assert pending == {
        "externalId": "payout-1",
        "amount": "12.5",
        "currency": "EUR",
        "payee": {"partyIdType": "MSISDN", "partyId": sim.ORDINARY_PAYER},
        "payerMessage": "Payout 1",
        "payeeNote": "Thanks",
        "status": "PENDING",
    }
    sim.clock.advance(2.0)
    final = await sim.body_of("transfer", token, reference_id)
    assert final["status"] == "SUCCESSFUL"
    assert re.fullmatch(r"\d{10}", final["financialTransactionId"])
    assert "reason" not in final
    assert await sim.balance(token, "disbursement") == "999987.5"


async def test_reused_reference_id_is_409(sim):
    token = await sim.login_disbursement()
    reference_id, _ = await sim.create("transfer", token, sim.transfer_body())
    _, again = await sim.create("transfer", token, sim.transfer_body(amount="1"), reference_id=reference_id)
    assert (again.status_code, again.json()) == (409, DUPLICATE)
    stats = await sim.stats()
    assert stats["posts_accepted"] == {reference_id: 1}
    assert stats["posts_rejected_duplicate"] == {reference_id: 1}


async def test_reference_ids_are_shared_with_collection(sim):
    """One id namespace: a transfer cannot reuse a request-to-pay's X-Reference-Id."""
    collection = await sim.login()
    disbursement = await sim.login_disbursement()
    reference_id, _ = await sim.request_to_pay(collection)
    _, response = await sim.create("transfer", disbursement, sim.transfer_body(), reference_id=reference_id)
    assert response.status_code == 409


BAD_BODIES = {
    "payee-missing": ({"payee": None}, "payee"),
    "payer-instead-of-payee": ({"payee": None, "payer": {"partyIdType": "MSISDN", "partyId": "4670"}}, "payee"),
    "payee-msisdn": ({"payee": {"partyIdType": "MSISDN", "partyId": "abc"}}, "payee.partyId"),
    "amount-zero": ({"amount": "0"}, "amount"),
    "currency-missing": ({"currency": None}, "currency"),
    "note-apostrophe": ({"payeeNote": "Bob's"}, "payeeNote"),
    "message-too-long": ({"payerMessage": "x" * 161}, "payerMessage"),
}


@pytest.mark.parametrize("change,field", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_invalid_body_is_400_naming_the_field(sim, change, field):
    token = await sim.login_disbursement()
    body = {k: v for k, v in {**sim.transfer_body(), **change}.items() if v is not None}
    reference_id, response = await sim.create("transfer", token, body)
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST" and field in response.json()["message"]
    assert (await sim.read("transfer", token, reference_id)).status_code == 404


async def test_other_currency_and_foreign_callback_host_are_500(sim):
    token = await sim.login_disbursement(callback_host="127.0.0.1")
    _, currency = await sim.create("transfer", token, sim.transfer_body(currency="UGX"))
    assert currency.status_code == 500
    assert currency.json() == {"message": "Currency not supported.", "code": "INVALID_CURRENCY"}
    _, host = await sim.create("transfer", token, sim.transfer_body(), callback_url="http://elsewhere.example/cb")
    assert (host.status_code, host.json()["code"]) == (500, "INVALID_CALLBACK_URL_HOST")
    assert (await sim.stats())["posts_accepted"] == {}


async def test_only_disbursement_credentials_open_transfers(sim):
    collection_token = await sim.login()
    headers = sim.product_headers(collection_token, "disbursement", **{"X-Reference-Id": str(uuid.uuid4())})
    response = await sim.http.post("/disbursement/v1_0/transfer", json=sim.transfer_body(), headers=headers)
    assert (response.status_code, response.json()) == (401, BAD_TOKEN)


async def test_unknown_foreign_and_malformed_references(sim):
    owner = await sim.login_disbursement()
    stranger = await sim.login_disbursement()
    reference_id, _ = await sim.create("transfer", owner, sim.transfer_body())
    assert (await sim.read("transfer", stranger, reference_id)).json() == NOT_FOUND
    assert (await sim.read("transfer", owner, str(uuid.uuid4()))).status_code == 404
    assert (await sim.read("transfer", owner, "not-a-uuid")).status_code == 400


async def test_there_is_no_v2_transfer(sim):
    token = await sim.login_disbursement()
    headers = sim.product_headers(token, "disbursement")
    response = await sim.http.post("/disbursement/v2_0/transfer", json=sim.transfer_body(), headers=headers)
    assert (response.status_code, response.json()) == (404, {"statusCode": 404, "message": "Resource not found"})


@pytest.mark.parametrize("msisdn,reason", FAILING_PAYEES.items())
async def test_failing_payees_fail_after_the_delay_and_move_no_money(make_sim, msisdn, reason):
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    token = await sim.login_disbursement()
    reference_id, response = await sim.create("transfer", token, sim.transfer_body(msisdn))
    assert response.status_code == 202
    sim.clock.advance(1.999)
    assert (await sim.body_of("transfer", token, reference_id))["status"] == "PENDING"
    sim.clock.advance(0.001)
    final = await sim.body_of("transfer", token, reference_id)
    assert (final["status"], final["reason"]) == ("FAILED", reason)
    assert "financialTransactionId" not in final
    assert await sim.balance(token, "disbursement") == "1000000"


async def test_ongoing_and_delayed_payees(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, delayed_approval_s=10.0, token_ttl_s=10**6)
    token = await sim.login_disbursement()
    ongoing, _ = await sim.create("transfer", token, sim.transfer_body("46733123453"))
    delayed, _ = await sim.create("transfer", token, sim.transfer_body("46733123454", amount="5"))
    assert (await sim.body_of("transfer", token, delayed))["status"] == "CREATED"
    sim.clock.advance(5.0)
    assert (await sim.body_of("transfer", token, delayed))["status"] == "PENDING"
    sim.clock.advance(5.0)
    assert (await sim.body_of("transfer", token, delayed))["status"] == "SUCCESSFUL"
    sim.clock.advance(10**5)
    assert (await sim.body_of("transfer", token, ongoing))["status"] == "PENDING"
    assert await sim.balance(token, "disbursement") == "999995"


async def test_reason_object_when_configured(make_sim):
    sim = make_sim(reason_format="object", approval_delay_s=0)
    token = await sim.login_disbursement()
    reference_id, _ = await sim.create("transfer", token, sim.transfer_body("46733123455"))
    reason = (await sim.body_of("transfer", token, reference_id))["reason"]
    assert reason == {"code": "NOT_ENOUGH_FUNDS", "message": "The payer does not have enough funds."}


async def test_transfers_are_paid_while_the_account_covers_them(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, disbursement_opening_balance="100")
    token = await sim.login_disbursement()
    first, _ = await sim.create("transfer", token, sim.transfer_body(amount="60"))
    sim.clock.advance(0.5)
    second, _ = await sim.create("transfer", token, sim.transfer_body(amount="60"))
    third, _ = await sim.create("transfer", token, sim.transfer_body(amount="40"))
    # Nothing moves before a transfer falls due: the balance is checked and debited at that moment.
    assert await sim.balance(token, "disbursement") == "100"
    sim.clock.advance(1.0)
    statuses = [await sim.body_of("transfer", token, ref) for ref in (first, second, third)]
    assert [s["status"] for s in statuses] == ["SUCCESSFUL", "FAILED", "SUCCESSFUL"]
    assert statuses[1]["reason"] == "NOT_ENOUGH_FUNDS"
    assert await sim.balance(token, "disbursement") == "0"


async def test_ordinary_payees_also_by_email_and_party_code(sim):
    token = await sim.login_disbursement()
    payees = [
        {"partyIdType": "EMAIL", "partyId": "someone@example.com"},
        {"partyIdType": "PARTY_CODE", "partyId": str(uuid.uuid4())},
    ]
    for payee in payees:
        reference_id, _ = await sim.create("transfer", token, sim.transfer_body(payee=payee))
        assert (await sim.wait_for("transfer", token, reference_id, "SUCCESSFUL"))["payee"] == payee
