"""Disbursement deposits (v1 and v2) and remittance transfers, as the sandbox serves them."""

from __future__ import annotations

import asyncio
import re

import pytest

DEPOSIT_FAILURES = {
    "46733123450": "INTERNAL_PROCESSING_ERROR",
    "46733123451": "APPROVAL_REJECTED",
    "46733123452": "EXPIRED",
    "46733123455": "PAYEE_NOT_FOUND",
    "46733123456": "PAYEE_NOT_ALLOWED_TO_RECEIVE",
    "46733123463": "COULD_NOT_PERFORM_TRANSACTION",
}
REMITTANCE_FAILURES = {
    "46733123455": "NOT_ENOUGH_FUNDS",
    "46733123456": "PAYER_LIMIT_REACHED",
    "46733123457": "PAYEE_NOT_FOUND",
    "46733123463": "SERVICE_UNAVAILABLE",
}


async def _one_callback(sim, receiver, url):
    [callback] = await receiver.wait_for(url)
    for _ in range(300):
        if sim.state.notifier.pending == 0:
            break
        await asyncio.sleep(0.01)
    assert len(receiver.received(url)) == 1
    return callback


@pytest.mark.parametrize("kind", ["deposit", "deposit-v2"])
async def test_deposit_succeeds_without_a_financial_transaction_id_and_debits_disbursement(make_sim, kind):
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    token = await sim.login_disbursement()
    reference_id, response = await sim.create(kind, token, sim.transfer_body(amount="12.50"))
    assert (response.status_code, response.content) == (202, b"")
    assert (await sim.body_of(kind, token, reference_id))["status"] == "PENDING"
    sim.clock.advance(2.0)
    final = await sim.body_of(kind, token, reference_id)
    assert final == {
        "externalId": "payout-1",
        "amount": "12.5",
        "currency": "EUR",
        "payee": {"partyIdType": "MSISDN", "partyId": sim.ORDINARY_PAYER},
        "payerMessage": "Payout 1",
        "payeeNote": "Thanks",
        "status": "SUCCESSFUL",
    }
    assert await sim.balance(token, "disbursement") == "999987.5"


@pytest.mark.parametrize(("payee", "reason"), sorted(DEPOSIT_FAILURES.items()))
async def test_deposit_payee_test_numbers_follow_the_request_to_pay_table(sim, payee, reason):
    token = await sim.login_disbursement()
    reference_id, _ = await sim.create("deposit", token, sim.transfer_body(payee))
    failed = await sim.wait_for("deposit", token, reference_id, "FAILED")
    assert failed["reason"] == reason
    assert "financialTransactionId" not in failed


async def test_deposit_callback_is_post_for_v1_and_put_for_v2(make_sim, callback_receiver):
    sim = make_sim(approval_delay_s=0)
    token = await sim.login_disbursement()
    for kind, method in (("deposit", "POST"), ("deposit-v2", "PUT")):
        url = callback_receiver.fresh_url()
        reference_id, _ = await sim.create(kind, token, sim.transfer_body(), callback_url=url)
        callback = await _one_callback(sim, callback_receiver, url)
        assert callback.method == method
        assert callback.json() == await sim.body_of(kind, token, reference_id)


async def test_deposit_and_transfer_status_paths_do_not_share_ids(sim):
    token = await sim.login_disbursement()
    deposit_id, _ = await sim.create("deposit", token, sim.transfer_body())
    transfer_id, _ = await sim.create("transfer", token, sim.transfer_body())
    assert (await sim.read("transfer", token, deposit_id)).status_code == 404
    assert (await sim.read("deposit", token, transfer_id)).status_code == 404


async def test_remittance_transfer_is_paid_from_the_remittance_account(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    token = await sim.login_remittance()
    reference_id, response = await sim.create("remittance-transfer", token, sim.transfer_body(amount="40"))
    assert response.status_code == 202
    sim.clock.advance(2.0)
    final = await sim.body_of("remittance-transfer", token, reference_id)
    assert final["status"] == "SUCCESSFUL"
    assert re.fullmatch(r"\d{10}", final["financialTransactionId"])
    assert await sim.balance(token, "remittance") == "999960"
    assert (await sim.stats())["tokens_issued"]["remittance"] == 1


@pytest.mark.parametrize(("payee", "reason"), sorted(REMITTANCE_FAILURES.items()))
async def test_remittance_payee_test_numbers_are_the_transfer_ones(sim, payee, reason):
    token = await sim.login_remittance()
    reference_id, _ = await sim.create("remittance-transfer", token, sim.transfer_body(payee))
    failed = await sim.wait_for("remittance-transfer", token, reference_id, "FAILED")
    assert failed["reason"] == reason


async def test_remittance_transfer_calls_back_with_post(make_sim, callback_receiver):
    sim = make_sim(approval_delay_s=0)
    token = await sim.login_remittance()
    url = callback_receiver.fresh_url()
    reference_id, _ = await sim.create("remittance-transfer", token, sim.transfer_body(), callback_url=url)
    callback = await _one_callback(sim, callback_receiver, url)
    assert callback.method == "POST"
    assert callback.json() == await sim.body_of("remittance-transfer", token, reference_id)


async def test_products_keep_their_keys_tokens_and_transfers_apart(sim):
    disbursement = await sim.login_disbursement()
    remittance = await sim.login_remittance()
    # A disbursement token does not open remittance, nor the other way round.
    _, refused = await sim.create("remittance-transfer", disbursement, sim.transfer_body())
    assert refused.status_code == 401
    reference_id, _ = await sim.create("remittance-transfer", remittance, sim.transfer_body())
    assert (await sim.read("remittance-transfer", remittance, reference_id)).status_code == 200
    assert (await sim.read("transfer", disbursement, reference_id)).status_code == 404


async def test_cashtransfer_is_not_served(sim):
    token = await sim.login_remittance()
    response = await sim.http.post(
        "/remittance/v2_0/cashtransfer", json=sim.transfer_body(), headers=sim.product_headers(token, "remittance")
    )
    assert response.status_code == 404
