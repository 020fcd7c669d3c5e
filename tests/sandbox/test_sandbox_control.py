"""/sandbox/* inspection endpoints and the status rate limit."""

from __future__ import annotations

import asyncio


async def test_health(sim):
    response = await sim.http.get("/sandbox/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_stats_start_at_zero(sim):
    assert await sim.stats() == {
        "tokens_issued": {"collection": 0, "disbursement": 0, "remittance": 0},
        "posts_accepted": {},
        "posts_rejected_duplicate": {},
        "status_gets": {},
        "status_rate_limited": 0,
        "delivery_notifications": {},
        "callbacks": {"sent": 0, "failed": 0, "dropped": 0, "duplicated": 0},
        "faults_injected": 0,
        "balances": {},
    }


async def test_stats_count_what_a_client_did(sim):
    credentials = await sim.provision()
    token = await sim.token(credentials)
    await sim.token(credentials)
    first, _ = await sim.request_to_pay(token)
    second, _ = await sim.request_to_pay(token)
    await sim.request_to_pay(token, reference_id=first)
    await sim.request_to_pay(token, reference_id=first)
    for _ in range(3):
        await sim.status(token, first)
    await sim.status(token, second)
    stats = await sim.stats()
    assert stats["tokens_issued"]["collection"] == 2
    assert stats["posts_accepted"] == {first: 1, second: 1}
    assert stats["posts_rejected_duplicate"] == {first: 2}
    assert stats["status_gets"] == {first: 3, second: 1}


async def test_status_gets_over_the_limit_are_429(make_sim):
    sim = make_sim(manual_clock=True, status_rate_limit_per_s=3)  # time stands still: one window
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token)
    codes = [(await sim.status(token, reference_id)).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = await sim.status(token, reference_id)
    assert limited.json() == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}
    assert limited.headers["retry-after"] == "1"

    # Creation is not limited, and another API user has its own budget.
    _, created = await sim.request_to_pay(token)
    assert created.status_code == 202
    other = await sim.login()
    other_ref, _ = await sim.request_to_pay(other)
    assert (await sim.status(other, other_ref)).status_code == 200

    stats = await sim.stats()
    assert stats["status_gets"][reference_id] == 3
    assert stats["status_rate_limited"] == 3


async def test_rate_limit_window_rolls(make_sim):
    sim = make_sim(manual_clock=True, status_rate_limit_per_s=2.5)  # 2.5 admits 2 per second
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token)
    assert (await sim.status(token, reference_id)).status_code == 200
    sim.clock.advance(0.5)
    assert [(await sim.status(token, reference_id)).status_code for _ in range(2)] == [200, 429]
    sim.clock.advance(0.499)
    assert (await sim.status(token, reference_id)).status_code == 429
    sim.clock.advance(0.001)  # the first GET has left the window
    assert [(await sim.status(token, reference_id)).status_code for _ in range(2)] == [200, 429]


async def test_no_rate_limit_by_default(sim):
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token)
    responses = await asyncio.gather(*(sim.status(token, reference_id) for _ in range(30)))
    assert {r.status_code for r in responses} == {200}
