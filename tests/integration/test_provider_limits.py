"""Status checks stay under MoMo's per-credential rate limit, whatever the number of workers."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from devstack import Stack, StackConfig
from momoflow.models import PaymentTiming

pytestmark = [pytest.mark.integration]

LIMIT_PER_S = 4  # what the workers are told (MTN's cap is 10)
MTN_CAP = 10


async def test_status_checks_are_rate_limited_across_two_workers(tmp_path: Path) -> None:
    # No callbacks and slow customers: thirty payments all poll every second, 30 GETs/s wanted.
    config = StackConfig.ephemeral(
        tmp_path,
        sandbox_env={
            "SANDBOX_CALLBACKS_ENABLED": "false",
            "SANDBOX_APPROVAL_DELAY_S": "120",
            "SANDBOX_STATUS_RATE_LIMIT_PER_S": str(MTN_CAP),
        },
        worker_env={"MOMO_STATUS_CHECKS_PER_SECOND": str(LIMIT_PER_S)},
    )
    stack = await Stack(config).start()
    try:
        await stack.start_worker()  # a second replica with the same settings
        momoflow = stack.momoflow()
        timing = PaymentTiming(callback_timeout_s=1, poll_interval_s=1, deadline_s=120)
        for i in range(30):
            await momoflow.request_to_pay(
                {"amount": "1", "currency": "EUR", "payer": {"party_id_type": "MSISDN", "party_id": f"25670{i:07d}"},
                 "external_id": f"RATE-{uuid.uuid4().hex[:8]}"},
                timing=timing,
            )  # fmt: skip
        await asyncio.sleep(3)  # let polling reach its steady state
        before, started = await stack.sandbox_stats(), time.monotonic()
        await asyncio.sleep(10)
        after, elapsed = await stack.sandbox_stats(), time.monotonic() - started
    finally:
        stack.stop()

    gets = sum(after["status_gets"].values()) - sum(before["status_gets"].values())
    rate = gets / elapsed
    assert rate > LIMIT_PER_S / 2, f"polling stalled: {rate:.1f}/s"  # the checks do run…
    assert rate <= LIMIT_PER_S * 1.25, f"{rate:.1f} GETs/s for a limit of {LIMIT_PER_S}/s"  # …at the configured pace
    assert after["status_rate_limited"] == 0  # MoMo never had to refuse one
