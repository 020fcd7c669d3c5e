"""Callback delivery over real loopback HTTP to the recording receiver."""

from __future__ import annotations

import asyncio


async def _quiet(sim, timeout_s: float = 3.0) -> None:
    """Wait until the sandbox has no delivery in flight."""
    for _ in range(int(timeout_s / 0.01)):
        if sim.state.notifier.pending == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("callbacks still in flight")


async def test_exactly_one_post_with_the_status_body(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    reference_id, response = await sim.request_to_pay(token, callback_url=url)
    assert response.status_code == 202

    [callback] = await callback_receiver.wait_for(url)
    assert callback.method == "POST"
    assert callback.headers["content-type"] == "application/json; charset=utf-8"
    assert callback.headers["user-agent"] == "LWAC Http Client 1.0"
    assert "authorization" not in callback.headers
    body = callback.json()
    assert body == (await sim.status(token, reference_id)).json()
    assert body["status"] == "SUCCESSFUL"
    assert "referenceId" not in body

    await _quiet(sim)
    await asyncio.sleep(0.1)
    assert len(callback_receiver.received(url)) == 1  # sent once, never retried
    assert (await sim.stats())["callbacks"] == {"sent": 1, "failed": 0, "dropped": 0, "duplicated": 0}


async def test_sent_without_anyone_polling(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    await sim.request_to_pay(token, sim.rtp_body("46733123451"), callback_url=url)
    [callback] = await callback_receiver.wait_for(url)
    assert callback.json()["status"] == "FAILED"
    assert callback.json()["reason"] == "APPROVAL_REJECTED"
    assert (await sim.stats())["status_gets"] == {}


async def test_object_reason_in_callback_when_configured(make_sim, callback_receiver):
    sim = make_sim(reason_format="object")
    token = await sim.login()
    url = callback_receiver.fresh_url()
    await sim.request_to_pay(token, sim.rtp_body("46733123452"), callback_url=url)
    [callback] = await callback_receiver.wait_for(url)
    assert callback.json()["reason"]["code"] == "EXPIRED"


async def test_no_callback_without_callback_url(sim, callback_receiver):
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token)
    await sim.wait_for_status(token, reference_id, "SUCCESSFUL")
    assert sim.state.notifier.pending == 0
    await asyncio.sleep(0.05)
    assert (await sim.stats())["callbacks"]["sent"] == 0


async def test_no_callback_for_a_payment_that_never_ends(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url()
    await sim.request_to_pay(token, sim.rtp_body("46733123453"), callback_url=url)
    assert sim.state.notifier.pending == 0
    await asyncio.sleep(sim.settings.delayed_approval_s)
    assert callback_receiver.received(url) == []


async def test_no_callbacks_when_disabled(make_sim, callback_receiver):
    sim = make_sim(callbacks_enabled=False, approval_delay_s=0)
    token = await sim.login()
    url = callback_receiver.fresh_url()
    _, response = await sim.request_to_pay(token, callback_url=url)
    assert response.status_code == 202
    assert sim.state.notifier.pending == 0
    await asyncio.sleep(0.05)
    assert callback_receiver.received(url) == []


async def test_refused_delivery_is_counted_and_not_retried(sim, callback_receiver):
    token = await sim.login()
    url = callback_receiver.fresh_url("fail")
    await sim.request_to_pay(token, callback_url=url)
    await callback_receiver.wait_for(url)
    await _quiet(sim)
    assert len(callback_receiver.received(url)) == 1
    assert (await sim.stats())["callbacks"] == {"sent": 0, "failed": 1, "dropped": 0, "duplicated": 0}


async def test_unreachable_receiver_is_counted_and_harmless(sim):
    token = await sim.login()
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused.
    reference_id, response = await sim.request_to_pay(token, callback_url="http://127.0.0.1:9/cb")
    assert response.status_code == 202
    await _quiet(sim)
    assert (await sim.stats())["callbacks"]["failed"] == 1
    assert (await sim.status(token, reference_id)).json()["status"] == "SUCCESSFUL"


async def test_each_final_payment_gets_its_own_callback(sim, callback_receiver):
    token = await sim.login()
    urls = [callback_receiver.fresh_url() for _ in range(5)]
    for url in urls:
        await sim.request_to_pay(token, callback_url=url)
    for url in urls:
        assert len(await callback_receiver.wait_for(url)) == 1
    await _quiet(sim)
    assert (await sim.stats())["callbacks"]["sent"] == 5
