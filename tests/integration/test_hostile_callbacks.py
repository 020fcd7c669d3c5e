"""A hostile client against the real gateway and workflows: nothing it sends changes an outcome."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from devstack import Stack
from momoflow.callback_tokens import CallbackSigner
from momoflow.models import PaymentState, PaymentStatus
from starter.facade import PaymentHandle
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


async def _payment(stack: Stack, payer: str) -> PaymentHandle:
    return await stack.momoflow().request_to_pay(
        {"amount": "10", "currency": "EUR", "payer": {"party_id_type": "MSISDN", "party_id": payer},
         "external_id": f"HOSTILE-{uuid.uuid4().hex[:8]}"},
        timing=TIMING,
    )  # fmt: skip


async def _pending(payment: PaymentHandle) -> PaymentState:
    for _ in range(100):
        state = await payment.status()
        if state.status is PaymentStatus.PENDING:
            return state
        await asyncio.sleep(0.1)
    raise AssertionError("never pending")


def _url(stack: Stack, workflow_id: str, reference_id: str, secrets: str | None = None) -> str:
    signer = CallbackSigner.from_spec(secrets or stack.config.callback_secrets)
    return signer.url(stack.config.gateway_url, workflow_id, reference_id)


async def _gateway_counts(stack: Stack) -> dict[str, int]:
    async with httpx.AsyncClient() as http:
        return dict((await http.get(f"{stack.config.gateway_url}/health")).json()["callbacks"])


async def test_malicious_requests_get_4xx_and_signal_nothing(stack: Stack) -> None:
    victim = await _payment(stack, "46733123453")  # stays PENDING
    other = await _payment(stack, "46733123453")
    state, other_state = await _pending(victim), await _pending(other)
    genuine = _url(stack, victim.workflow_id, state.reference_id)
    base = stack.config.gateway_url
    version, kid, wf, ref, mac = genuine.rsplit("/", 1)[1].split(".")
    moved = f"{base}/callbacks/" + ".".join((version, kid, wf, other_state.reference_id, mac))

    attempts = [
        (
            "forged secret",
            "POST",
            _url(stack, victim.workflow_id, state.reference_id, "dev:attacker-guess-0123456789"),
            b"{}",
            404,
        ),
        ("random token", "POST", f"{base}/callbacks/{uuid.uuid4().hex}", b"{}", 404),
        ("token moved to another payment", "PUT", moved, b'{"status":"SUCCESSFUL"}', 404),
        ("1 MB body", "POST", genuine, b'{"status":"SUCCESSFUL","pad":"' + b"x" * 1_000_000 + b'"}', 413),
        ("invalid JSON", "POST", genuine, b'{"status": SUCCESSFUL', 400),
        ("JSON that is not an object", "PUT", genuine, b'["SUCCESSFUL"]', 400),
        ("unknown method", "PATCH", genuine, b"{}", 405),
        ("GET", "GET", genuine, b"", 405),
    ]
    before = await _gateway_counts(stack)
    async with httpx.AsyncClient(timeout=30) as http:
        for name, method, url, body, expected in attempts:
            response = await http.request(method, url, content=body, headers={"content-type": "application/json"})
            assert response.status_code == expected, name
    after = await _gateway_counts(stack)

    await asyncio.sleep(1)
    for payment in (victim, other):
        state = await payment.status()
        assert state.callbacks_received == 0 and state.status is PaymentStatus.PENDING
    rejected = sum(after.get(k, 0) - before.get(k, 0) for k in ("bad_token", "too_large", "bad_json"))
    assert rejected == 6  # every refusal was counted (405s are refused by routing)


async def test_lying_success_for_a_failed_payment_changes_nothing(stack: Stack) -> None:
    payment = await _payment(stack, "46733123451")  # the customer rejects it
    final = await payment.result()
    assert final.status is PaymentStatus.FAILED
    async with httpx.AsyncClient() as http:
        response = await http.post(
            _url(stack, payment.workflow_id, final.reference_id),
            json={"status": "SUCCESSFUL", "financialTransactionId": "123"},
        )
    assert response.status_code == 200  # acknowledged: MoMo must not keep retrying
    assert (await payment.result()) == final


async def test_a_hundred_duplicate_callbacks(stack: Stack) -> None:
    payment = await _payment(stack, "46733123453")
    state = await _pending(payment)
    url = _url(stack, payment.workflow_id, state.reference_id)
    async with httpx.AsyncClient(timeout=30) as http:
        responses = await asyncio.gather(*(http.put(url, json={"status": "SUCCESSFUL"}) for _ in range(100)))
    assert {r.status_code for r in responses} == {200}
    for _ in range(100):
        state = await payment.status()
        if state.callbacks_received == 100:
            break
        await asyncio.sleep(0.1)
    assert state.callbacks_received == 100
    assert state.status is PaymentStatus.PENDING  # MoMo says PENDING, so PENDING it is
    assert state.status_checks < 50  # duplicates are batched, not one GET each
    stats = await stack.sandbox_stats()
    assert stats["status_gets"].get(state.reference_id, 0) < 50
