"""Fault injection: API errors, lost responses, slowness and callback trouble."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from sandbox.controls.faults import FaultInjector, FaultSettings, FaultSettingsError


async def test_rate_one_faults_every_product_call_but_not_tokens_or_provisioning(sim):
    token = await sim.login()
    reference_id, accepted = await sim.request_to_pay(token)
    assert accepted.status_code == 202
    await sim.http.put("/sandbox/faults", json={"api_error_rate": 1.0, "seed": 7})

    seen = set()
    for _ in range(20):
        _, create = await sim.request_to_pay(token)
        status = await sim.status(token, reference_id)
        for response in (create, status):
            seen.add(response.status_code)
            if response.status_code == 429:
                assert response.json() == {
                    "statusCode": 429,
                    "message": "Rate limit is exceeded. Try again in 1 seconds.",
                }
                assert response.headers["retry-after"] == "1"
            elif response.status_code == 500:
                assert response.json() == {
                    "code": "INTERNAL_PROCESSING_ERROR",
                    "message": "An internal error occurred while processing.",
                }
            else:
                assert response.status_code == 503
                assert response.json() == {"code": "SERVICE_UNAVAILABLE", "message": "Service unavailable."}
    assert seen == {429, 500, 503}

    # Never faulted: provisioning, tokens, /sandbox/*.
    assert (await sim.token(await sim.provision())) is not None
    assert (await sim.http.get("/sandbox/health")).status_code == 200
    stats = await sim.stats()
    assert stats["faults_injected"] == 40
    assert stats["posts_accepted"] == {reference_id: 1}  # faulted calls were not processed
    assert stats["status_gets"] == {}


async def test_error_statuses_can_be_narrowed(sim):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"api_error_rate": 1.0, "api_error_statuses": [503]})
    for _ in range(5):
        _, response = await sim.request_to_pay(token)
        assert response.status_code == 503


async def test_bad_subscription_key_is_still_401_under_faults(sim):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"api_error_rate": 1.0})
    _, response = await sim.request_to_pay(token, headers={"Ocp-Apim-Subscription-Key": "wrong"})
    assert response.status_code == 401


async def test_lost_response_is_processed_and_a_retry_gets_409(sim):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"lost_response_rate": 1.0})
    reference_id, lost = await sim.request_to_pay(token)
    assert lost.status_code == 503
    assert lost.json() == {"code": "SERVICE_UNAVAILABLE", "message": "Service unavailable."}

    _, retry = await sim.request_to_pay(token, reference_id=reference_id)
    assert retry.status_code == 409
    assert retry.json()["code"] == "RESOURCE_ALREADY_EXIST"

    stats = await sim.stats()
    assert stats["posts_accepted"] == {reference_id: 1}
    assert stats["posts_rejected_duplicate"] == {reference_id: 1}
    assert stats["faults_injected"] == 1
    await sim.wait_for_status(token, reference_id, "SUCCESSFUL")  # the payment went ahead


async def test_lost_response_still_delivers_the_callback(sim, callback_receiver):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"lost_response_rate": 1.0})
    url = callback_receiver.fresh_url()
    _, lost = await sim.request_to_pay(token, callback_url=url)
    assert lost.status_code == 503
    assert len(await callback_receiver.wait_for(url)) == 1


async def test_slow_calls_are_delayed_then_processed(sim):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"api_slow_rate": 1.0, "api_slow_s": 0.1})
    started = time.monotonic()
    _, response = await sim.request_to_pay(token)
    assert time.monotonic() - started >= 0.1
    assert response.status_code == 202
    assert (await sim.stats())["faults_injected"] == 1


async def test_dropped_callback_is_never_sent(sim, callback_receiver):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"callback_drop_rate": 1.0})
    url = callback_receiver.fresh_url()
    reference_id, _ = await sim.request_to_pay(token, callback_url=url)
    await sim.wait_for_status(token, reference_id, "SUCCESSFUL")
    while sim.state.notifier.pending:
        await asyncio.sleep(0.01)
    assert callback_receiver.received(url) == []
    assert (await sim.stats())["callbacks"] == {"sent": 0, "failed": 0, "dropped": 1, "duplicated": 0}


async def test_duplicated_callback_arrives_twice_with_the_same_body(sim, callback_receiver):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"callback_duplicate_rate": 1.0})
    url = callback_receiver.fresh_url()
    await sim.request_to_pay(token, callback_url=url)
    first, second = await callback_receiver.wait_for(url, count=2)
    assert first.body == second.body
    while sim.state.notifier.pending:
        await asyncio.sleep(0.01)
    assert (await sim.stats())["callbacks"] == {"sent": 2, "failed": 0, "dropped": 0, "duplicated": 1}


async def test_delayed_callback_arrives_late(sim, callback_receiver):
    token = await sim.login()
    await sim.http.put("/sandbox/faults", json={"callback_delay_rate": 1.0, "callback_delay_s": 0.2})
    url = callback_receiver.fresh_url()
    posted_at = time.monotonic()
    await sim.request_to_pay(token, callback_url=url)
    [callback] = await callback_receiver.wait_for(url)
    assert callback.received_at - posted_at >= sim.settings.approval_delay_s + 0.2
    assert callback.json()["status"] == "SUCCESSFUL"


async def test_faults_from_settings_apply_at_start(make_sim):
    sim = make_sim(faults=json.dumps({"api_error_rate": 1.0, "api_error_statuses": [500], "seed": 1}))
    token = await sim.login()
    _, response = await sim.request_to_pay(token)
    assert response.status_code == 500
    assert (await sim.http.get("/sandbox/faults")).json()["api_error_rate"] == 1.0


async def test_get_faults_shows_defaults(sim):
    response = await sim.http.get("/sandbox/faults")
    assert response.json() == {
        "api_error_rate": 0.0,
        "api_error_statuses": [500, 503, 429],
        "lost_response_rate": 0.0,
        "api_slow_rate": 0.0,
        "api_slow_s": 1.0,
        "callback_drop_rate": 0.0,
        "callback_duplicate_rate": 0.0,
        "callback_delay_rate": 0.0,
        "callback_delay_s": 1.0,
        "seed": None,
    }


async def test_put_is_a_partial_update(sim):
    await sim.http.put("/sandbox/faults", json={"api_slow_rate": 0.5})
    response = await sim.http.put("/sandbox/faults", json={"callback_drop_rate": 0.25})
    assert response.status_code == 200
    assert response.json()["api_slow_rate"] == 0.5
    assert response.json()["callback_drop_rate"] == 0.25


@pytest.mark.parametrize(
    "update,field",
    [
        ({"api_error_rate": 1.5}, "api_error_rate"),
        ({"callback_drop_rate": -0.1}, "callback_drop_rate"),
        ({"api_error_statuses": [404]}, "api_error_statuses"),
        ({"api_error_statuses": []}, "api_error_statuses"),
        ({"api_slow_s": -1}, "api_slow_s"),
        ({"no_such_fault": 1, "api_error_rate": 0.5}, "no_such_fault"),
    ],
)
async def test_invalid_updates_are_422_and_change_nothing(sim, update, field):
    response = await sim.http.put("/sandbox/faults", json=update)
    assert response.status_code == 422
    assert field in response.json()["message"]
    assert any(problem["field"].startswith(field) for problem in response.json()["errors"])
    assert (await sim.http.get("/sandbox/faults")).json()["api_error_rate"] == 0.0


async def test_non_object_body_is_422(sim):
    assert (await sim.http.put("/sandbox/faults", content=b"[1]")).status_code == 422
    assert (await sim.http.put("/sandbox/faults", content=b"{oops")).status_code == 422


def test_seed_makes_decisions_repeatable():
    def decisions(seed: int) -> list[int | None]:
        injector = FaultInjector(FaultSettings(api_error_rate=0.5, seed=seed))
        return [injector.api_error_status() for _ in range(50)]

    assert decisions(3) == decisions(3)
    assert decisions(3) != decisions(4)
    assert {d for d in decisions(3)} >= {None, 500}


def test_reseeding_through_update_restarts_the_sequence():
    injector = FaultInjector(FaultSettings(api_error_rate=0.5, seed=9))
    first = [injector.api_error_status() for _ in range(20)]
    injector.update({"seed": 9})
    assert [injector.api_error_status() for _ in range(20)] == first


def test_update_reports_every_unknown_key():
    injector = FaultInjector(FaultSettings())
    with pytest.raises(FaultSettingsError) as caught:
        injector.update({"a": 1, "b": 2})
    assert [p["field"] for p in caught.value.problems] == ["a", "b"]
