"""Counters, the status rate limit and fault injection across every kind of operation."""

from __future__ import annotations

import uuid

NOT_PAYING = "46733123453"


async def test_every_creation_and_status_read_is_counted_per_reference(sim):
    collection, disbursement = await sim.login(), await sim.login_disbursement()
    rtp, _ = await sim.request_to_pay(collection)
    transfer, _ = await sim.create("transfer", disbursement, sim.transfer_body())
    approval, _ = await sim.create("preapproval", collection, sim.pre_approval_body())
    invoice, _ = await sim.create("invoice", collection, sim.invoice_body(NOT_PAYING))
    cancel, _ = await sim.cancel_invoice(collection, invoice)
    for reference_id in (rtp, transfer, approval, invoice, cancel):
        _, reused = await sim.create("transfer", disbursement, sim.transfer_body(), reference_id=reference_id)
        assert reused.status_code == 409

    await sim.status(collection, rtp)
    await sim.read("transfer", disbursement, transfer)
    await sim.read("transfer", disbursement, transfer)
    await sim.read("preapproval", collection, approval)
    await sim.read("invoice", collection, invoice)
    await sim.read("invoice", collection, cancel)
    await sim.read("invoice", collection, str(uuid.uuid4()))  # 404: not counted
    # Reads that are not status GETs are not counted either.
    await sim.balance(collection)
    listing = f"/collection/v1_0/preapprovals/msisdn/{sim.ORDINARY_PAYER}"
    await sim.http.get(listing, headers=sim.product_headers(collection))

    stats = await sim.stats()
    assert stats["posts_accepted"] == {rtp: 1, transfer: 1, approval: 1, invoice: 1, cancel: 1}
    assert stats["posts_rejected_duplicate"] == {rtp: 1, transfer: 1, approval: 1, invoice: 1, cancel: 1}
    assert stats["status_gets"] == {rtp: 1, transfer: 2, approval: 1, invoice: 1, cancel: 1}


async def test_rate_limit_covers_every_status_read_of_an_api_user(make_sim):
    sim = make_sim(manual_clock=True, status_rate_limit_per_s=3)
    token = await sim.login()
    rtp, _ = await sim.request_to_pay(token)
    approval, _ = await sim.create("preapproval", token, sim.pre_approval_body())
    invoice, _ = await sim.create("invoice", token, sim.invoice_body())
    codes = [
        (await sim.status(token, rtp)).status_code,
        (await sim.read("preapproval", token, approval)).status_code,
        (await sim.read("invoice", token, invoice)).status_code,
        (await sim.read("invoice", token, invoice)).status_code,
        (await sim.read("preapproval", token, approval)).status_code,
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert (await sim.balance(token)) == "0"  # not a status read: not limited

    disbursement = await sim.login_disbursement()
    transfer, _ = await sim.create("transfer", disbursement, sim.transfer_body())
    assert [(await sim.read("transfer", disbursement, transfer)).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert (await sim.stats())["status_rate_limited"] == 3


async def test_api_faults_strike_every_product_endpoint_but_not_the_sandbox_ones(sim):
    collection, disbursement = await sim.login(), await sim.login_disbursement()
    invoice, _ = await sim.create("invoice", collection, sim.invoice_body(NOT_PAYING))
    await sim.http.put("/sandbox/faults", json={"api_error_rate": 1.0, "api_error_statuses": [503]})
    calls = [
        sim.create("transfer", disbursement, sim.transfer_body()),
        sim.create("preapproval", collection, sim.pre_approval_body()),
        sim.create("invoice", collection, sim.invoice_body()),
        sim.cancel_invoice(collection, invoice),
    ]
    for call in calls:
        _, response = await call
        assert response.status_code == 503
    reads = [
        ("GET", "/disbursement/v1_0/account/balance", "disbursement"),
        ("GET", "/collection/v1_0/account/balance/EUR", "collection"),
        ("GET", "/collection/v1_0/accountholder/msisdn/46733123499/active", "collection"),
        ("GET", "/disbursement/v1_0/accountholder/msisdn/46733123499/basicuserinfo", "disbursement"),
        ("GET", f"/collection/v1_0/preapprovals/msisdn/{sim.ORDINARY_PAYER}", "collection"),
        ("DELETE", f"/collection/v1_0/preapproval/{uuid.uuid4()}", "collection"),
        ("GET", f"/collection/v2_0/invoice/{invoice}", "collection"),
    ]
    for method, path, product in reads:
        token = collection if product == "collection" else disbursement
        response = await sim.http.request(method, path, headers=sim.product_headers(token, product))
        assert response.status_code == 503, path
    assert (await sim.customer("GET", f"/{NOT_PAYING}/requests")).status_code == 200
    stats = await sim.stats()
    assert stats["faults_injected"] == len(calls) + len(reads)
    assert stats["posts_accepted"] == {invoice: 1}


async def test_lost_responses_on_every_creation_including_the_invoice_delete(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    collection, disbursement = await sim.login(), await sim.login_disbursement()
    invoice, _ = await sim.create("invoice", collection, sim.invoice_body(NOT_PAYING))
    approved, _ = await sim.create("preapproval", collection, sim.pre_approval_body())
    sim.clock.advance(1.0)
    await sim.http.put("/sandbox/faults", json={"lost_response_rate": 1.0})
    lost = [
        await sim.create("transfer", disbursement, sim.transfer_body()),
        await sim.create("preapproval", collection, sim.pre_approval_body()),
        await sim.create("invoice", collection, sim.invoice_body()),
        await sim.cancel_invoice(collection, invoice),
    ]
    assert [response.status_code for _, response in lost] == [503, 503, 503, 503]
    # The work went ahead: a retry with the same id is a 409, and the status is there.
    cancel, _ = lost[3]
    _, retry = await sim.cancel_invoice(collection, invoice, reference_id=cancel)
    assert retry.status_code == 409
    assert (await sim.read("transfer", disbursement, lost[0][0])).status_code == 200
    assert (await sim.read("invoice", collection, cancel)).status_code == 200
    # Reads and the pre-approval DELETE (not a creation) are never "lost".
    withdraw = f"/collection/v1_0/preapproval/{approved}"
    withdrawn = await sim.http.delete(withdraw, headers=sim.product_headers(collection))
    assert withdrawn.status_code == 200
    assert set((await sim.stats())["posts_accepted"]) == {invoice, approved, *(ref for ref, _ in lost)}
    assert (await sim.stats())["faults_injected"] == 4
