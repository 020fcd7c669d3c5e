"""POST /collection/v1_0/requesttopay/{referenceId}/deliverynotification: MTN's answers
200, 400, 404, 409 (not completed), 410 (expired) and 429 (too soon after an accepted one)."""

from __future__ import annotations

import uuid

import pytest


async def _notify(sim, token, reference_id, message="Receipt 123", language="en", body=True, headers=None):
    extra = {} if message is None else {"notificationMessage": message}
    if language is not None:
        extra["Language"] = language
    content = {"notificationMessage": message} if body and message is not None else None
    return await sim.http.post(
        f"/collection/v1_0/requesttopay/{reference_id}/deliverynotification",
        json=content,
        headers={**sim.product_headers(token, **extra), **(headers or {})},
    )


async def _paid(sim, token, msisdn=None):
    reference_id, _ = await sim.request_to_pay(token, sim.rtp_body(msisdn) if msisdn else None)
    sim.clock.advance(1)
    assert (await sim.status(token, reference_id)).json()["status"] in ("SUCCESSFUL", "FAILED")
    return reference_id


async def test_a_successful_payment_takes_a_note_for_its_payer(make_sim):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    reference_id = await _paid(sim, token)
    response = await _notify(sim, token, reference_id)
    assert (response.status_code, response.content) == (200, b"")
    assert sim.state.store.operation(reference_id).notes == ["Receipt 123"]
    assert (await sim.stats())["delivery_notifications"] == {reference_id: 1}


async def test_the_header_alone_is_enough(make_sim):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    reference_id = await _paid(sim, token)
    assert (await _notify(sim, token, reference_id, body=False, language=None)).status_code == 200


async def test_pending_or_failed_payment_is_409_not_completed(make_sim):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    pending, _ = await sim.request_to_pay(token, sim.rtp_body("46733123453"))  # "Ongoing": never final
    failed = await _paid(sim, token, "46733123451")
    for reference_id in (pending, failed):
        response = await _notify(sim, token, reference_id)
        assert response.status_code == 409
        assert response.json() == {"code": "NOT_COMPLETED", "message": "The transaction is not successfully completed."}
    assert (await sim.stats())["delivery_notifications"] == {}


async def test_after_the_window_it_is_410_gone(make_sim):
    sim = make_sim(manual_clock=True, delivery_notification_window_s=60)
    token = await sim.login()
    reference_id = await _paid(sim, token)
    sim.clock.advance(60)
    response = await _notify(sim, token, reference_id)
    assert (response.status_code, response.json()["code"]) == (410, "EXPIRED")


async def test_a_second_note_too_soon_is_429_with_retry_after(make_sim):
    sim = make_sim(manual_clock=True, delivery_notification_interval_s=5)
    token = await sim.login()
    reference_id = await _paid(sim, token)
    assert (await _notify(sim, token, reference_id, "first")).status_code == 200
    sim.clock.advance(2)
    again = await _notify(sim, token, reference_id, "second")
    assert again.status_code == 429
    assert again.headers["Retry-After"] == "3"
    sim.clock.advance(3)
    assert (await _notify(sim, token, reference_id, "second")).status_code == 200
    assert sim.state.store.operation(reference_id).notes == ["first", "second"]


async def test_unknown_another_partners_or_a_withdrawal_is_404(make_sim):
    sim = make_sim(manual_clock=True)
    token, other = await sim.login(), await sim.login()
    reference_id = await _paid(sim, token)
    withdrawal = str(uuid.uuid4())
    headers = sim.product_headers(token, **{"X-Reference-Id": withdrawal})
    await sim.http.post("/collection/v1_0/requesttowithdraw", json=sim.rtp_body(), headers=headers)
    sim.clock.advance(1)
    for token_, ref in ((token, str(uuid.uuid4())), (other, reference_id), (token, withdrawal)):
        response = await _notify(sim, token_, ref)
        assert (response.status_code, response.json()["code"]) == (404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("message", "language", "body", "named"),
    [
        (None, "en", None, "notificationMessage"),
        ("x" * 161, "en", None, "notificationMessage"),
        ("Fish & chips", "en", None, "notificationMessage"),
        ("Receipt", "english", None, "Language"),
        ("Receipt", "en", b"[1]", "JSON object"),
    ],
)
async def test_bad_requests_are_400_naming_the_problem(make_sim, message, language, body, named):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    reference_id = await _paid(sim, token)
    extra = {"Language": language, **({"notificationMessage": message} if message is not None else {})}
    response = await sim.http.post(
        f"/collection/v1_0/requesttopay/{reference_id}/deliverynotification",
        content=body or b"",
        headers=sim.product_headers(token, **extra),
    )
    assert response.status_code == 400
    assert named in response.json()["message"]


async def test_a_malformed_reference_id_is_400(sim):
    token = await sim.login()
    response = await _notify(sim, token, "not-a-uuid")
    assert response.status_code == 400
