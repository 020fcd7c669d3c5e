"""POST /v1_0 and /v2_0/requesttowithdraw, GET /v1_0/requesttowithdraw/{id}: a request-to-pay
under another path, with MTN's test numbers on the payer and the callback method of its version."""

from __future__ import annotations

import json
import uuid

import pytest

from sandbox.world.persistence import restore, snapshot

V1 = "/collection/v1_0/requesttowithdraw"
V2 = "/collection/v2_0/requesttowithdraw"


async def _withdraw(sim, token, path=V1, body=None, callback_url=None, reference_id=None):
    reference_id = reference_id or str(uuid.uuid4())
    extra = {"X-Reference-Id": reference_id}
    if callback_url:
        extra["X-Callback-Url"] = callback_url
    response = await sim.http.post(path, json=body or sim.rtp_body(), headers=sim.product_headers(token, **extra))
    return reference_id, response


@pytest.mark.parametrize("path", [V1, V2])
async def test_accepted_then_successful_with_a_request_to_pay_result(sim, path):
    token = await sim.login()
    body = sim.rtp_body(amount="12.50", externalId="cash-out-1", payerMessage="Cash out", payeeNote="Agent 7")
    reference_id, response = await _withdraw(sim, token, path, body)
    assert (response.status_code, response.content) == (202, b"")
    final = await sim.wait_for("requesttowithdraw", token, reference_id, "SUCCESSFUL")
    assert final.pop("financialTransactionId").isdigit()
    assert final == {
        "externalId": "cash-out-1",
        "amount": "12.5",
        "currency": "EUR",
        "payer": {"partyIdType": "MSISDN", "partyId": sim.ORDINARY_PAYER},
        "payerMessage": "Cash out",
        "payeeNote": "Agent 7",
        "status": "SUCCESSFUL",
    }
    assert await sim.balance(token) == "12.5"  # the cash-out lands in the partner's collection account


async def test_a_withdrawal_is_not_a_request_to_pay_and_back(sim):
    token = await sim.login()
    withdrawal, _ = await _withdraw(sim, token)
    payment, _ = await sim.request_to_pay(token)
    assert (await sim.status(token, withdrawal)).status_code == 404
    assert (await sim.read("requesttowithdraw", token, payment)).status_code == 404
    assert (await sim.read("requesttowithdraw", token, withdrawal)).status_code == 200


async def test_reused_reference_id_is_409_across_versions_and_kinds(sim):
    token = await sim.login()
    reference_id, first = await _withdraw(sim, token, V1)
    _, again = await _withdraw(sim, token, V2, reference_id=reference_id)
    _, as_payment = await sim.request_to_pay(token, reference_id=reference_id)
    assert first.status_code == 202
    assert again.status_code == as_payment.status_code == 409
    assert again.json()["code"] == "RESOURCE_ALREADY_EXIST"


@pytest.mark.parametrize(
    ("msisdn", "reason"),
    [
        ("46733123450", "INTERNAL_PROCESSING_ERROR"),
        ("46733123451", "APPROVAL_REJECTED"),
        ("46733123452", "EXPIRED"),
        ("46733123455", "PAYER_NOT_FOUND"),
        ("46733123463", "COULD_NOT_PERFORM_TRANSACTION"),
    ],
)
async def test_test_numbers_fail_as_for_a_request_to_pay(sim, msisdn, reason):
    token = await sim.login()
    reference_id, response = await _withdraw(sim, token, V2, sim.rtp_body(msisdn))
    assert response.status_code == 202
    final = await sim.wait_for("requesttowithdraw", token, reference_id, "FAILED")
    assert final["reason"] == reason
    assert "financialTransactionId" not in final
    assert await sim.balance(token) == "0"


async def test_bad_body_and_currency_are_refused_like_a_request_to_pay(sim):
    token = await sim.login()
    _, bad = await _withdraw(sim, token, body=sim.rtp_body(amount="ten"))
    _, currency = await _withdraw(sim, token, body=sim.rtp_body(currency="XAF"))
    assert bad.status_code == 400 and "amount" in bad.json()["message"]
    assert (currency.status_code, currency.json()["code"]) == (500, "INVALID_CURRENCY")


async def test_the_payer_approves_or_rejects_on_the_customer_side(make_sim):
    sim = make_sim(auto_decide=False)
    token = await sim.login()
    reference_id, _ = await _withdraw(sim, token)
    [item] = (await sim.customer("GET", f"/{sim.ORDINARY_PAYER}/requests")).json()
    assert (item["kind"], item["referenceId"]) == ("requesttowithdraw", reference_id)
    answer = await sim.customer("POST", f"/requests/{reference_id}/reject")
    assert answer.status_code == 200
    final = await sim.wait_for("requesttowithdraw", token, reference_id, "FAILED")
    assert final["reason"] == "APPROVAL_REJECTED"


async def test_a_pre_approval_does_not_let_a_withdrawal_through(make_sim):
    sim = make_sim(auto_decide=False)
    token = await sim.login()
    approval, _ = await sim.create("preapproval", token, sim.pre_approval_body())
    assert (await sim.customer("POST", f"/requests/{approval}/approve")).status_code == 200
    reference_id, _ = await _withdraw(sim, token)
    assert (await sim.body_of("requesttowithdraw", token, reference_id))["status"] == "PENDING"


@pytest.mark.parametrize(("path", "method"), [(V1, "POST"), (V2, "PUT")])
async def test_callback_method_follows_the_version(sim, callback_receiver, path, method):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    reference_id, _ = await _withdraw(sim, token, path, callback_url=url)
    [callback] = await callback_receiver.wait_for(url)
    assert callback.method == method
    assert callback.json() == await sim.body_of("requesttowithdraw", token, reference_id)


async def test_no_v2_status_endpoint(sim):
    token = await sim.login()
    reference_id, _ = await _withdraw(sim, token, V2)
    response = await sim.http.get(f"{V2}/{reference_id}", headers=sim.product_headers(token))
    assert response.status_code == 404


async def test_kept_with_its_version_across_a_restart(make_sim):
    first = make_sim(auto_decide=False)
    token = await first.login()
    reference_id, _ = await _withdraw(first, token, V2)
    second = make_sim(auto_decide=False)
    restore(second.state, json.loads(json.dumps(snapshot(first.state))), 0.0)
    restored = second.state.store.operation(reference_id)
    assert (restored.kind, restored.callback_method, restored.status.value) == (
        "requesttowithdraw-v2",
        "PUT",
        "PENDING",
    )
