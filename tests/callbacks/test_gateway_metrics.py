"""Every request at the gateway ends in one outcome, counted in momoflow_callbacks_total."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY

from callbacks.app import OUTCOMES, create_app
from callbacks.signaller import Delivery
from tests.callbacks.test_gateway import SIGNER, RecordingSignaller


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value("momoflow_callbacks_total", {"outcome": outcome}) or 0.0


GOOD = SIGNER.token("wf", "ref")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "outcome", "status"),
    [
        ("PUT", f"/callbacks/{GOOD}", {"json": {"status": "SUCCESSFUL"}}, "signalled", 200),
        ("PUT", "/callbacks/v1.k1.forged", {"json": {}}, "bad_token", 404),
        ("POST", f"/callbacks/{GOOD}", {"content": b"x" * 2000}, "too_large", 413),
        ("POST", f"/callbacks/{GOOD}", {"content": b"{nope"}, "bad_json", 400),
        ("GET", f"/callbacks/{GOOD}", {}, "wrong_method", 405),
        ("DELETE", f"/callbacks/{GOOD}", {}, "wrong_method", 405),
        ("GET", "/wp-login.php", {}, "unknown_path", 404),
    ],
)
async def test_each_request_is_counted_by_outcome(
    method: str, path: str, kwargs: dict, outcome: str, status: int
) -> None:
    signaller = RecordingSignaller()
    app = create_app(SIGNER, signaller, 1024)
    before = {name: _count(name) for name in OUTCOMES}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.request(method, path, **kwargs)
    assert response.status_code == status
    after = {name: _count(name) for name in OUTCOMES}
    assert {name for name in OUTCOMES if after[name] != before[name]} == {outcome}
    assert after[outcome] == before[outcome] + 1
    assert (signaller.sent != []) == (outcome == "signalled")


async def test_a_finished_payment_counts_as_already_finished() -> None:
    app = create_app(SIGNER, RecordingSignaller(Delivery.ALREADY_FINISHED))
    before = _count("already_finished")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        await client.post(f"/callbacks/{GOOD}", json={"status": "FAILED"})
    assert _count("already_finished") == before + 1


def test_every_outcome_exists_from_the_start() -> None:
    for outcome in OUTCOMES:
        assert REGISTRY.get_sample_value("momoflow_callbacks_total", {"outcome": outcome}) is not None
