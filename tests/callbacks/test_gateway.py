"""The gateway in-process, with the signal recorded instead of sent."""

from __future__ import annotations

import httpx
import pytest

from callbacks.app import create_app
from callbacks.signaller import Delivery
from momoflow.callback_tokens import CallbackSigner
from momoflow.models import ProviderCallback

SIGNER = CallbackSigner.from_spec("k1:gateway-test-secret-0123")


class RecordingSignaller:
    def __init__(self, outcome: Delivery = Delivery.SIGNALLED) -> None:
        self.outcome = outcome
        self.sent: list[tuple[str, ProviderCallback]] = []

    async def deliver(self, workflow_id: str, callback: ProviderCallback) -> Delivery:
        self.sent.append((workflow_id, callback))
        return self.outcome


def _client(signaller: RecordingSignaller, max_body: int = 1024) -> httpx.AsyncClient:
    app = create_app(SIGNER, signaller, max_body)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_valid_callback_signals_reference_and_claimed_status_only(method: str) -> None:
    signaller = RecordingSignaller()
    token = SIGNER.token("rtp-ORDER-1", "ref-1")
    body = {"status": "SUCCESSFUL", "payer": {"partyIdType": "MSISDN", "partyId": "46733123454"}, "amount": "5"}
    async with _client(signaller) as client:
        response = await client.request(method, f"/callbacks/{token}", json=body)
    assert response.status_code == 200
    [(workflow_id, hint)] = signaller.sent
    assert workflow_id == "rtp-ORDER-1"
    assert (hint.reference_id, hint.status) == ("ref-1", "SUCCESSFUL")
    assert "46733123454" not in hint.model_dump_json()


@pytest.mark.parametrize(
    ("path", "kwargs", "status"),
    [
        ("/callbacks/v1.k1.cnRw.ref.forged", {"json": {"status": "SUCCESSFUL"}}, 404),
        ("/callbacks/nonsense", {"json": {}}, 404),
        (None, {"content": b"{not json"}, 400),
        (None, {"content": b"[1,2]"}, 400),
        (None, {"content": b"x" * 5000}, 413),
    ],
)
async def test_bad_callbacks_get_4xx_and_signal_nothing(path: str | None, kwargs: dict, status: int) -> None:
    signaller = RecordingSignaller()
    path = path or f"/callbacks/{SIGNER.token('wf', 'ref')}"
    async with _client(signaller) as client:
        response = await client.post(path, **kwargs)
        health = (await client.get("/health")).json()
    assert response.status_code == status
    assert signaller.sent == []
    assert sum(health["callbacks"].values()) == 1


async def test_unknown_method_is_refused() -> None:
    signaller = RecordingSignaller()
    async with _client(signaller) as client:
        response = await client.delete(f"/callbacks/{SIGNER.token('wf', 'ref')}")
    assert response.status_code == 405
    assert signaller.sent == []


async def test_callback_for_finished_payment_is_acknowledged() -> None:
    signaller = RecordingSignaller(Delivery.ALREADY_FINISHED)
    async with _client(signaller) as client:
        response = await client.post(f"/callbacks/{SIGNER.token('wf', 'ref')}", json={"status": "FAILED"})
    assert response.status_code == 200


async def test_temporal_down_asks_for_a_retry() -> None:
    signaller = RecordingSignaller(Delivery.UNAVAILABLE)
    async with _client(signaller) as client:
        response = await client.post(f"/callbacks/{SIGNER.token('wf', 'ref')}", json={"status": "FAILED"})
    assert response.status_code == 503


async def test_unknown_status_claims_are_dropped() -> None:
    signaller = RecordingSignaller()
    async with _client(signaller) as client:
        await client.post(f"/callbacks/{SIGNER.token('wf', 'ref')}", json={"status": "<script>"})
    assert signaller.sent[0][1].status is None
