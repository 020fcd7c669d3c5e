"""Pre-approvals: request, status, list, cancel, and the debit they allow."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

NOT_FOUND = {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}
NOT_ACTIVE = {"code": "NOT_ALLOWED", "message": "Pre-approval is not active."}
MTN_DATETIME = "%Y-%m-%dT%H:%M:%S.%f"

FAILING_PAYERS = {
    "46733123450": "INTERNAL_PROCESSING_ERROR",
    "46733123451": "APPROVAL_REJECTED",
    "46733123452": "EXPIRED",
    "46733123455": "PAYER_NOT_FOUND",
    "46733123456": "NOT_ALLOWED",
    "46733123457": "NOT_ALLOWED_TARGET_ENVIRONMENT",
    "46733123458": "INVALID_CALLBACK_URL_HOST",
    "46733123459": "INVALID_CURRENCY",
    "46733123460": "INTERNAL_PROCESSING_ERROR",
    "46733123461": "SERVICE_UNAVAILABLE",
}


def _when(text: str) -> datetime:
    assert len(text) == 23, text  # YYYY-MM-DDTHH:MM:SS.mmm
    return datetime.strptime(text, MTN_DATETIME)


async def _list(sim, token, payer, id_type="msisdn"):
    path = f"/collection/v1_0/preapprovals/{id_type}/{payer}"
    return await sim.http.get(path, headers=sim.product_headers(token))


async def _delete(sim, token, pre_approval_id):
    return await sim.http.delete(f"/collection/v1_0/preapproval/{pre_approval_id}", headers=sim.product_headers(token))


async def test_request_then_approval_with_expiry(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    token = await sim.login()
    reference_id, response = await sim.create("preapproval", token, sim.pre_approval_body(validityTime=600))
    assert (response.status_code, response.content) == (202, b"")
    assert await sim.body_of("preapproval", token, reference_id) == {
        "payer": {"partyIdType": "MSISDN", "partyId": sim.ORDINARY_PAYER},
        "payerCurrency": "EUR",
        "payerMessage": "Monthly subscription",
        "status": "PENDING",
    }
    sim.clock.advance(2.0)
    approved = await sim.body_of("preapproval", token, reference_id)
    assert approved["status"] == "SUCCESSFUL" and "reason" not in approved
    [entry] = (await _list(sim, token, sim.ORDINARY_PAYER)).json()
    assert _when(approved["expirationDateTime"]) - _when(entry["createdTime"]) == timedelta(seconds=600)


@pytest.mark.parametrize("msisdn,reason", FAILING_PAYERS.items())
async def test_failing_payers(make_sim, msisdn, reason):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    token = await sim.login()
    reference_id, _ = await sim.create("preapproval", token, sim.pre_approval_body(msisdn))
    assert (await sim.body_of("preapproval", token, reference_id))["status"] == "PENDING"
    sim.clock.advance(1.0)
    final = await sim.body_of("preapproval", token, reference_id)
    assert final["status"] == "FAILED"
    assert final["reason"]["code"] == reason and final["reason"]["message"]  # always the object form (v2)
    assert "expirationDateTime" not in final


async def test_ongoing_and_delayed_payers(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, delayed_approval_s=8.0, token_ttl_s=10**6)
    token = await sim.login()
    ongoing, _ = await sim.create("preapproval", token, sim.pre_approval_body("46733123453"))
    delayed, _ = await sim.create("preapproval", token, sim.pre_approval_body("46733123454"))
    sim.clock.advance(7.9)
    assert (await sim.body_of("preapproval", token, delayed))["status"] == "PENDING"  # never CREATED
    sim.clock.advance(0.1)
    assert (await sim.body_of("preapproval", token, delayed))["status"] == "SUCCESSFUL"
    sim.clock.advance(10**5)
    assert (await sim.body_of("preapproval", token, ongoing))["status"] == "PENDING"


BAD_BODIES = {
    "payer-missing": ({"payer": None}, "payer"),
    "currency-missing": ({"payerCurrency": None}, "payerCurrency"),
    "validity-missing": ({"validityTime": None}, "validityTime"),
    "validity-zero": ({"validityTime": 0}, "validityTime"),
    "validity-string": ({"validityTime": "3600"}, "validityTime"),
    "validity-fraction": ({"validityTime": 1.5}, "validityTime"),
    "validity-bool": ({"validityTime": True}, "validityTime"),
    "message-ampersand": ({"payerMessage": "A & B"}, "payerMessage"),
}


@pytest.mark.parametrize("change,field", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_invalid_body_is_400(sim, change, field):
    token = await sim.login()
    body = {k: v for k, v in {**sim.pre_approval_body(), **change}.items() if v is not None}
    _, response = await sim.create("preapproval", token, body)
    assert response.status_code == 400 and field in response.json()["message"]


async def test_409_currency_and_callback_host(sim):
    token = await sim.login(callback_host="127.0.0.1")
    reference_id, _ = await sim.create("preapproval", token, sim.pre_approval_body())
    _, again = await sim.create("preapproval", token, sim.pre_approval_body(), reference_id=reference_id)
    assert again.status_code == 409
    _, currency = await sim.create("preapproval", token, sim.pre_approval_body(payerCurrency="UGX"))
    assert (currency.status_code, currency.json()["code"]) == (500, "INVALID_CURRENCY")
    _, host = await sim.create("preapproval", token, sim.pre_approval_body(), callback_url="http://evil.example/cb")
    assert (host.status_code, host.json()["code"]) == (500, "INVALID_CALLBACK_URL_HOST")


async def test_status_is_private_to_its_api_user(sim):
    owner, stranger = await sim.login(), await sim.login()
    reference_id, _ = await sim.create("preapproval", owner, sim.pre_approval_body())
    assert (await sim.read("preapproval", stranger, reference_id)).json() == NOT_FOUND
    assert (await sim.read("preapproval", owner, str(uuid.uuid4()))).status_code == 404
    # A request-to-pay id is not a pre-approval id.
    rtp, _ = await sim.request_to_pay(owner)
    assert (await sim.read("preapproval", owner, rtp)).status_code == 404


# --------------------------------------------------------------------------- list and cancel


async def test_list_shows_each_mandate_and_its_status(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, token_ttl_s=10**6)
    token = await sim.login()
    payer = "46733123490"
    approved, _ = await sim.create("preapproval", token, sim.pre_approval_body(payer, validityTime=100))
    sim.clock.advance(1.0)
    pending, _ = await sim.create("preapproval", token, sim.pre_approval_body(payer, payerMessage=None))
    entries = (await _list(sim, token, payer)).json()
    assert [(e["preApprovalId"], e["status"]) for e in entries] == [(approved, "APPROVED"), (pending, "PENDING")]
    first, second = entries
    assert set(first) == {"preApprovalId", "toFri", "fromFri", "fromCurrency", "createdTime"} | {
        "approvedTime",
        "expiryTime",
        "status",
        "message",
    }
    assert first["toFri"] == f"FRI:{_user_of(sim, token)}/API"
    assert first["fromFri"] == f"FRI:{payer}/MSISDN"
    assert first["fromCurrency"] == "EUR" and first["message"] == "Monthly subscription"
    assert _when(first["approvedTime"]) - _when(first["createdTime"]) == timedelta(seconds=1)
    assert _when(first["expiryTime"]) - _when(first["createdTime"]) == timedelta(seconds=100)
    assert "approvedTime" not in second and "expiryTime" not in second and second["message"] == ""

    sim.clock.advance(99.0)  # the first mandate's validity is over
    assert [e["status"] for e in (await _list(sim, token, payer)).json()] == ["EXPIRED", "APPROVED"]


async def test_list_is_per_api_user_and_payer(sim):
    owner, stranger = await sim.login(), await sim.login()
    reference_id, _ = await sim.create("preapproval", owner, sim.pre_approval_body("46733123491"))
    await sim.create("preapproval", owner, sim.pre_approval_body("46733123492"))
    assert [e["preApprovalId"] for e in (await _list(sim, owner, "46733123491")).json()] == [reference_id]
    assert (await _list(sim, stranger, "46733123491")).json() == []


async def test_list_by_email_id_and_alias(sim):
    token = await sim.login()
    email = {"partyIdType": "EMAIL", "partyId": "Payer@Example.com"}
    code = {"partyIdType": "PARTY_CODE", "partyId": str(uuid.uuid4())}
    by_email, _ = await sim.create("preapproval", token, sim.pre_approval_body(payer=email))
    by_code, _ = await sim.create("preapproval", token, sim.pre_approval_body(payer=code))
    assert [e["preApprovalId"] for e in (await _list(sim, token, "payer@example.com", "email")).json()] == [by_email]
    assert [e["preApprovalId"] for e in (await _list(sim, token, code["partyId"], "id")).json()] == [by_code]
    assert [e["preApprovalId"] for e in (await _list(sim, token, code["partyId"], "alias")).json()] == [by_code]
    entry = (await _list(sim, token, "payer@example.com", "email")).json()[0]
    assert entry["fromFri"] == "FRI:Payer@Example.com/EMAIL"


async def test_list_for_the_none_existing_test_payer_is_empty(make_sim):
    sim = make_sim(approval_delay_s=0)
    token = await sim.login()
    await sim.create("preapproval", token, sim.pre_approval_body("46733123469"))
    response = await _list(sim, token, "46733123469")
    assert (response.status_code, response.json()) == (200, [])


async def test_list_refuses_unknown_types(sim):
    token = await sim.login()
    assert (await _list(sim, token, "46733123499", "phone")).status_code == 400
    assert (await _list(sim, token, "abc", "msisdn")).status_code == 400


async def test_rejected_and_refused_mandates_are_listed_as_rejected(make_sim):
    sim = make_sim(approval_delay_s=0)
    token = await sim.login()
    await sim.create("preapproval", token, sim.pre_approval_body("46733123451"))
    await sim.create("preapproval", token, sim.pre_approval_body("46733123452"))
    assert [e["status"] for e in (await _list(sim, token, "46733123451")).json()] == ["REJECTED"]
    assert [e["status"] for e in (await _list(sim, token, "46733123452")).json()] == ["EXPIRED"]


async def test_cancel_an_approved_mandate(make_sim):
    sim = make_sim(approval_delay_s=0)
    token = await sim.login()
    reference_id, _ = await sim.create("preapproval", token, sim.pre_approval_body())
    cancelled = await _delete(sim, token, reference_id)
    assert (cancelled.status_code, cancelled.content) == (200, b"")
    assert [e["status"] for e in (await _list(sim, token, sim.ORDINARY_PAYER)).json()] == ["CANCELLED"]
    # The request's own status keeps its outcome.
    assert (await sim.body_of("preapproval", token, reference_id))["status"] == "SUCCESSFUL"
    again = await _delete(sim, token, reference_id)
    assert (again.status_code, again.json()) == (400, NOT_ACTIVE)


async def test_cancel_refusals(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    token, stranger = await sim.login(), await sim.login()
    pending, _ = await sim.create("preapproval", token, sim.pre_approval_body())
    assert (await _delete(sim, token, pending)).json() == NOT_ACTIVE
    assert (await _delete(sim, stranger, pending)).json() == NOT_FOUND
    assert (await _delete(sim, token, str(uuid.uuid4()))).status_code == 404
    assert (await _delete(sim, token, "nope")).status_code == 400
    rejected, _ = await sim.create("preapproval", token, sim.pre_approval_body("46733123451"))
    sim.clock.advance(1.0)
    assert (await _delete(sim, token, rejected)).json() == NOT_ACTIVE
    short, _ = await sim.create("preapproval", token, sim.pre_approval_body(validityTime=2))
    sim.clock.advance(2.0)
    assert (await _delete(sim, token, short)).json() == NOT_ACTIVE  # expired


# --------------------------------------------------------------------------- pre-approved debit


async def test_pre_approved_payer_is_debited_at_once(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=5.0)
    token = await sim.login()
    approval, _ = await sim.create("preapproval", token, sim.pre_approval_body())
    waiting, _ = await sim.request_to_pay(token, sim.rtp_body(amount="3"))  # before approval: the usual wait
    sim.clock.advance(5.0)
    assert (await sim.status(token, waiting)).json()["status"] == "SUCCESSFUL"

    debit, response = await sim.request_to_pay(token, sim.rtp_body(amount="9.99"))
    assert response.status_code == 202
    body = (await sim.status(token, debit)).json()  # the clock has not moved
    assert body["status"] == "SUCCESSFUL" and body["financialTransactionId"]
    assert await sim.balance(token) == "12.99"
    assert (await sim.customer("GET", f"/{sim.ORDINARY_PAYER}/requests")).json() == []


async def test_pre_approval_only_helps_its_own_partner_while_active(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, token_ttl_s=10**6)
    token, other = await sim.login(), await sim.login()
    approval, _ = await sim.create("preapproval", token, sim.pre_approval_body(validityTime=60))
    sim.clock.advance(1.0)
    foreign, _ = await sim.request_to_pay(other)
    assert (await sim.status(other, foreign)).json()["status"] == "PENDING"

    sim.clock.advance(59.0)  # expired
    late, _ = await sim.request_to_pay(token)
    assert (await sim.status(token, late)).json()["status"] == "PENDING"

    fresh, _ = await sim.create("preapproval", token, sim.pre_approval_body())
    sim.clock.advance(1.0)
    assert (await _delete(sim, token, fresh)).status_code == 200
    after_cancel, _ = await sim.request_to_pay(token)
    assert (await sim.status(token, after_cancel)).json()["status"] == "PENDING"


async def test_rtp_test_numbers_keep_their_script_despite_a_pre_approval(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, delayed_approval_s=1.0)
    token = await sim.login()
    await sim.create("preapproval", token, sim.pre_approval_body("46733123454"))  # Delayed → approved
    sim.clock.advance(1.0)
    assert [e["status"] for e in (await _list(sim, token, "46733123454")).json()] == ["APPROVED"]
    reference_id, _ = await sim.request_to_pay(token, sim.rtp_body("46733123454"))
    assert (await sim.status(token, reference_id)).json()["status"] == "CREATED"


def _user_of(sim, token: str) -> str:
    return sim.state.store.token(token).api_user_id
