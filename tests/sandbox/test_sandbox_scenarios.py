"""MTN's test numbers: each payer reaches its documented (or interpreted) state.

State-by-state checks use a hand-driven clock so they cannot race the
approval delay; a few real-time tests prove outcomes also arrive on their own.
"""

from __future__ import annotations

import re

import pytest

from sandbox.world.operations import OperationStatus
from sandbox.world.test_numbers import Scenario, Timeline, request_to_pay_scenario

FAILING_NUMBERS = {
    "46733123450": "INTERNAL_PROCESSING_ERROR",
    "46733123451": "APPROVAL_REJECTED",
    "46733123452": "EXPIRED",
    "46733123455": "PAYER_NOT_FOUND",
    "46733123456": "PAYEE_NOT_ALLOWED_TO_RECEIVE",
    "46733123457": "NOT_ALLOWED",
    "46733123458": "NOT_ALLOWED_TARGET_ENVIRONMENT",
    "46733123459": "INVALID_CALLBACK_URL_HOST",
    "46733123460": "INVALID_CURRENCY",
    "46733123461": "INTERNAL_PROCESSING_ERROR",
    "46733123462": "SERVICE_UNAVAILABLE",
    "46733123463": "COULD_NOT_PERFORM_TRANSACTION",
}
SUCCEEDING_NUMBERS = ["46733123499", "56733123453", "46733123464"]


@pytest.mark.parametrize("msisdn,reason", FAILING_NUMBERS.items())
async def test_failing_numbers_end_failed_with_their_reason(sim, msisdn, reason):
    token = await sim.login()
    reference_id, response = await sim.request_to_pay(token, sim.rtp_body(msisdn))
    assert response.status_code == 202  # failures are asynchronous, never at POST time
    final = await sim.wait_for_status(token, reference_id, "FAILED")
    assert final["reason"] == reason
    assert "financialTransactionId" not in final


@pytest.mark.parametrize("msisdn", SUCCEEDING_NUMBERS)
async def test_other_numbers_succeed_after_the_approval_delay(sim, msisdn):
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token, sim.rtp_body(msisdn))
    final = await sim.wait_for_status(token, reference_id, "SUCCESSFUL")
    assert re.fullmatch(r"\d{10}", final["financialTransactionId"])
    assert "reason" not in final
    # A final status is stable: the same id and status on every read.
    assert (await sim.status(token, reference_id)).json() == final


async def test_every_number_is_pending_until_the_approval_delay_passes(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=2.0)
    token = await sim.login()
    references = {}
    for msisdn in [*FAILING_NUMBERS, *SUCCEEDING_NUMBERS]:
        references[msisdn], _ = await sim.request_to_pay(token, sim.rtp_body(msisdn))

    sim.clock.advance(1.999)
    for msisdn, reference_id in references.items():
        body = (await sim.status(token, reference_id)).json()
        assert body["status"] == "PENDING", msisdn
        assert "reason" not in body and "financialTransactionId" not in body

    sim.clock.advance(0.001)
    for msisdn, reference_id in references.items():
        body = (await sim.status(token, reference_id)).json()
        expected = "FAILED" if msisdn in FAILING_NUMBERS else "SUCCESSFUL"
        assert body["status"] == expected, msisdn


async def test_ongoing_number_stays_pending(make_sim):
    sim = make_sim(manual_clock=True, token_ttl_s=30 * 24 * 3600)
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token, sim.rtp_body("46733123453"))
    sim.clock.advance(7 * 24 * 3600)
    body = (await sim.status(token, reference_id)).json()
    assert body["status"] == "PENDING"
    assert "reason" not in body and "financialTransactionId" not in body


async def test_delayed_number_shows_created_then_pending_then_successful(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0, delayed_approval_s=10.0)
    token = await sim.login()
    delayed, _ = await sim.request_to_pay(token, sim.rtp_body("46733123454"))
    ordinary, _ = await sim.request_to_pay(token)

    async def status_of(reference_id: str) -> str:
        return (await sim.status(token, reference_id)).json()["status"]

    assert await status_of(delayed) == "CREATED"
    sim.clock.advance(1.0)
    assert (await status_of(ordinary), await status_of(delayed)) == ("SUCCESSFUL", "CREATED")
    sim.clock.advance(4.0)
    assert await status_of(delayed) == "PENDING"
    sim.clock.advance(5.0)
    assert await status_of(delayed) == "SUCCESSFUL"


async def test_delayed_number_succeeds_in_real_time(sim):
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token, sim.rtp_body("46733123454"))
    final = await sim.wait_for_status(token, reference_id, "SUCCESSFUL")
    assert "financialTransactionId" in final


async def test_non_msisdn_payers_always_succeed(sim):
    token = await sim.login()
    body = sim.rtp_body(payer={"partyIdType": "EMAIL", "partyId": "46733123451@example.com"})
    reference_id, response = await sim.request_to_pay(token, body)
    assert response.status_code == 202
    await sim.wait_for_status(token, reference_id, "SUCCESSFUL")


async def test_zero_approval_delay_is_final_at_once(make_sim):
    sim = make_sim(approval_delay_s=0, delayed_approval_s=0)
    token = await sim.login()
    ordinary, _ = await sim.request_to_pay(token)
    rejected, _ = await sim.request_to_pay(token, sim.rtp_body("46733123451"))
    delayed, _ = await sim.request_to_pay(token, sim.rtp_body("46733123454"))
    assert (await sim.status(token, ordinary)).json()["status"] == "SUCCESSFUL"
    assert (await sim.status(token, rejected)).json()["status"] == "FAILED"
    assert (await sim.status(token, delayed)).json()["status"] == "SUCCESSFUL"


async def test_reason_as_object_when_configured(make_sim):
    sim = make_sim(reason_format="object", approval_delay_s=0)
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token, sim.rtp_body("46733123451"))
    body = (await sim.status(token, reference_id)).json()
    assert body["reason"] == {"code": "APPROVAL_REJECTED", "message": "The payer rejected the request."}


async def test_reason_is_a_bare_string_by_default(make_sim):
    sim = make_sim(approval_delay_s=0)
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token, sim.rtp_body("46733123450"))
    assert (await sim.status(token, reference_id)).json()["reason"] == "INTERNAL_PROCESSING_ERROR"


def test_timeline_is_a_pure_function_of_time():
    delayed = Timeline.plan(request_to_pay_scenario("MSISDN", "46733123454"), 100.0, 2.0, 10.0)
    assert [delayed.status_at(t)[0] for t in (100.0, 104.9, 105.0, 109.9, 110.0)] == [
        OperationStatus.CREATED,
        OperationStatus.CREATED,
        OperationStatus.PENDING,
        OperationStatus.PENDING,
        OperationStatus.SUCCESSFUL,
    ]
    never = Timeline.plan(Scenario("Ongoing", None), 0.0, 2.0, 10.0)
    assert never.final_at is None and never.status_at(1e9) == (OperationStatus.PENDING, None)
    rejected = Timeline.plan(request_to_pay_scenario("msisdn", "46733123451"), 0.0, 2.0, 10.0)
    assert rejected.status_at(1.99) == (OperationStatus.PENDING, None)
    assert rejected.status_at(2.0) == (OperationStatus.FAILED, "APPROVAL_REJECTED")
