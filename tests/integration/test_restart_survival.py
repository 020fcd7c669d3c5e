"""Kill the worker with SIGKILL mid-payment; a new worker finishes every payment, each POSTed once."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from devstack import Stack, StackConfig
from momoflow.models import PaymentStatus, PaymentTiming

pytestmark = [pytest.mark.integration]

PAYMENTS = 20


async def test_payments_survive_a_killed_worker(tmp_path: Path) -> None:
    # Customers take 3 s to approve, so every payment is pending when the worker dies.
    config = StackConfig.ephemeral(tmp_path, sandbox_env={"SANDBOX_APPROVAL_DELAY_S": "3"})
    stack = await Stack(config).start()
    try:
        momoflow = stack.momoflow()
        timing = PaymentTiming(callback_timeout_s=20, poll_interval_s=1, deadline_s=120)
        run = uuid.uuid4().hex[:8]
        payments = [
            await momoflow.request_to_pay(
                {
                    "amount": f"{100 + i}",
                    "currency": "EUR",
                    "payer": {"party_id_type": "MSISDN", "party_id": f"4670000{i:04d}"},
                    "external_id": f"CRASH-{run}-{i}",
                },
                timing=timing,
            )
            for i in range(PAYMENTS)
        ]
        # Wait until MoMo has accepted every request, then crash the worker.
        for _ in range(200):
            states = [await p.status() for p in payments]
            if all(s.status is PaymentStatus.PENDING for s in states):
                break
            await asyncio.sleep(0.1)
        stack.kill_worker()
        await asyncio.sleep(4)  # customers approve and callbacks arrive while no worker runs
        await stack.start_worker()

        results = await asyncio.wait_for(asyncio.gather(*(p.result() for p in payments)), 120)
        assert [r.status for r in results] == [PaymentStatus.SUCCESSFUL] * PAYMENTS
        stats = await stack.sandbox_stats()
        accepted = stats["posts_accepted"]
        assert {r.reference_id: accepted.get(r.reference_id) for r in results} == {r.reference_id: 1 for r in results}
        assert sum(stats.get("posts_rejected_duplicate", {}).values()) == 0
    finally:
        stack.stop()
