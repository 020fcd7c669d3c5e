"""Webhooks through a real stack to a real receiver on loopback, with a faulty receiver and a killed worker.

The receiver fails each event's first two attempts (500, 503), hangs past the
worker's timeout on the third, answers slowly after that, and the worker is
killed while such slow answers are in flight. Every event must still arrive,
duplicates must carry the same event id, and every signature must verify.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devstack import Stack, StackConfig
from momoflow import contract
from momoflow import search_attributes as sa
from momoflow.models import PaymentStatus, PaymentTiming
from starter import WebhookVerificationError, verify_webhook, webhooks_cli
from tests.integration.conftest import FAST_SANDBOX

pytestmark = [pytest.mark.integration]

SECRET = "receiver-test-secret-0123456789"
TIMEOUT_S = 1.5
PAYMENTS = 6
REJECTED_PAYER = "46733123451"  # the sandbox's customer who declines


@dataclass
class Receipt:
    event_id: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int
    verified: bool


@dataclass
class Receiver:
    """A merchant endpoint that misbehaves on purpose, counting each event's requests."""

    receipts: list[Receipt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, count: int) -> tuple[float, int]:
        """(seconds to stall, HTTP status) for the ``count``-th request of one event."""
        return {1: (0.0, 500), 2: (0.0, 503), 3: (TIMEOUT_S * 2, 200)}.get(count, (1.0, 200))

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                try:
                    event_id = verify_webhook(headers, body, [SECRET])
                    verified = True
                except WebhookVerificationError:
                    event_id, verified = json.loads(body).get("id", "?"), False
                with receiver.lock:
                    count = 1 + sum(1 for r in receiver.receipts if r.event_id == event_id)
                    stall, status = receiver.answer(count)
                    receiver.receipts.append(Receipt(event_id, headers, body, time.time(), status, verified))
                time.sleep(stall)
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass  # the worker gave up on this request (timeout) or died

            def log_message(self, *args: object) -> None:
                pass

        return Handler


async def test_every_event_arrives_signed_despite_a_faulty_receiver_and_a_killed_worker(tmp_path: Path) -> None:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    worker_env = {
        "WEBHOOK_ENDPOINTS": f"http://127.0.0.1:{server.server_address[1]}/momo-events",
        "WEBHOOK_SECRETS": f"k1:{SECRET}",
        "WEBHOOK_TIMEOUT_S": str(TIMEOUT_S),
        "WEBHOOK_RETRY_INITIAL_S": "0.5",
        "WEBHOOK_RETRY_MAX_INTERVAL_S": "2",
        "WEBHOOK_GIVE_UP_AFTER_S": "600",
    }
    stack = await Stack(StackConfig.ephemeral(tmp_path, sandbox_env=FAST_SANDBOX, worker_env=worker_env)).start()
    try:
        momoflow = stack.momoflow()
        run = uuid.uuid4().hex[:8]
        timing = PaymentTiming(callback_timeout_s=15, poll_interval_s=1, deadline_s=60)
        payments = [
            await momoflow.request_to_pay(
                {
                    "amount": f"{100 + i}",
                    "currency": "EUR",
                    "payer": {
                        "party_id_type": "MSISDN",
                        "party_id": REJECTED_PAYER if i % 3 == 0 else f"4670000{i:04d}",
                    },
                    "external_id": f"HOOK-{run}-{i}",
                },
                timing=timing,
            )
            for i in range(PAYMENTS)
        ]
        results = await asyncio.wait_for(asyncio.gather(*(p.result() for p in payments)), 60)
        assert {r.status for r in results} == {PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED}

        # Kill the worker while slow answers (the 4th request of an event) are in flight.
        for _ in range(300):
            if any(
                sum(1 for r in receiver.receipts if r.event_id == e) >= 4
                for e in {r.event_id for r in receiver.receipts}
            ):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"no slow answer in flight; {len(receiver.receipts)} requests")
        stack.kill_worker()
        await asyncio.sleep(2)
        await stack.start_worker()

        # Every payment's delivery workflow ends DELIVERED.
        deliveries = [stack.client.get_workflow_handle(contract.webhook_delivery_id(p.workflow_id)) for p in payments]
        done = await asyncio.wait_for(asyncio.gather(*(d.result() for d in deliveries)), 90)
        states = [(await d.describe()).typed_search_attributes.get(sa.WEBHOOK_STATE) for d in deliveries]
        assert states == ["DELIVERED"] * PAYMENTS

        # The CLI lists the deliveries (none failed) and resends one event with its id unchanged.
        rows = await webhooks_cli.list_deliveries(stack.client, failed=False, limit=50)
        assert {row["workflow_id"] for row in rows} == {d.id for d in deliveries}
        assert await webhooks_cli.list_deliveries(stack.client, failed=True, limit=50) == []
        resent = rows[0]["event_ids"][0]
        before = sum(1 for r in receiver.receipts if r.event_id == resent)
        await webhooks_cli.resend(stack.client, resent)
        for _ in range(200):
            if sum(1 for r in receiver.receipts if r.event_id == resent and r.verified) > before:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the resent event never arrived")
        await asyncio.sleep(1.5)  # let the resend's slow answer finish before the stack stops
    finally:
        stack.stop()
        server.shutdown()

    events = {d["dispatches"][0]["event"]["id"]: d["dispatches"][0]["event"] for d in done}
    assert len(events) == PAYMENTS
    expected_types = {
        ("payment.succeeded" if r.status is PaymentStatus.SUCCESSFUL else "payment.failed") for r in results
    }
    assert {e["type"] for e in events.values()} == expected_types
    # Every request was genuine, and its event id one of ours.
    assert all(r.verified for r in receiver.receipts)
    assert {r.event_id for r in receiver.receipts} == set(events)
    # Every event was answered 2xx at least once; the extra 2xx answers are duplicates, recognisable by id.
    accepted = [r for r in receiver.receipts if r.answered == 200]
    assert {r.event_id for r in accepted} == set(events)
    duplicates = len(accepted) - len(events)
    assert duplicates >= PAYMENTS  # at least the answers the worker's timeout cut off
    first_ok = {e: min(r.at for r in accepted if r.event_id == e) for e in events}
    delays = [first_ok[e] - datetime.fromisoformat(events[e]["created"]).timestamp() for e in events]
    print(
        f"\nwebhooks: events sent {len(events)}, delivered {len({r.event_id for r in accepted})}, "
        f"requests {len(receiver.receipts)}, duplicates {duplicates}, max delay {max(delays):.1f} s"
    )

    # A tampered or stale request fails verification.
    sample = accepted[0]
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify_webhook(sample.headers, sample.body.replace(b'"status":"', b'"status":"X'), [SECRET])
    with pytest.raises(WebhookVerificationError) as stale:
        verify_webhook(sample.headers, sample.body, [SECRET], now=sample.at + 3600)
    assert stale.value.reason == "stale_timestamp"
