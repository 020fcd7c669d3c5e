"""A subscription through the real stack: a Temporal Schedule on the dev server debiting the sandbox."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from temporalio.service import RPCError

from devstack import Stack
from momoflow.models import PaymentStatus
from starter import subscriptions
from starter.facade import StartError
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if done(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.5)


async def test_subscription_debits_each_period_once_and_stops_with_the_mandate(stack: Stack) -> None:
    momoflow = stack.momoflow()
    payer = {"party_id_type": "MSISDN", "party_id": f"2567{random.randint(10_000_000, 99_999_999)}"}
    key = f"mandate-{uuid.uuid4().hex[:8]}"
    approval = await momoflow.pre_approval(
        {"payer": payer, "currency": "EUR", "validity_s": 3600}, key=key, timing=TIMING
    )
    mandate = await approval.result(timeout=20)
    assert mandate.status is PaymentStatus.SUCCESSFUL
    subscription_id = f"gym-{uuid.uuid4().hex[:8]}"
    request: dict[str, Any] = {
        "subscription_id": subscription_id,
        "payer": payer,
        "amount": "3.50",
        "currency": "EUR",
        "cadence": {"every_s": 3},
        "retry_after_s": 5,
    }
    with pytest.raises(StartError, match="pre_approval_id"):
        await momoflow.subscribe({**request, "pre_approval_id": str(uuid.uuid4())})
    view = await momoflow.subscribe(request, pre_approval_key=key, timing=TIMING)
    assert view.state == "ACTIVE" and view.next_runs
    assert (await momoflow.subscribe(request, pre_approval_key=key, timing=TIMING)).schedule_id == view.schedule_id

    def successful(periods: list[Any]) -> list[Any]:
        return [p for p in periods if p.status == "SUCCESSFUL"]

    periods = await eventually(
        lambda: subscriptions.debits(momoflow.client, subscription_id), lambda p: len(successful(p)) >= 2
    )
    assert len(successful(periods)) >= 2, periods
    stats = await stack.sandbox_stats()
    for period in successful(periods):
        assert period.debits == [f"rtp-sub-{subscription_id}-{period.period_start.strftime('%Y%m%dT%H%M%SZ')}"]
        assert stats["posts_accepted"][period.last_state.reference_id] == 1
        assert period.last_state.amount is not None and str(period.last_state.amount) == "3.50"

    # A manual trigger lands in a period the schedule has collected (or is collecting): no second debit.
    runs_before = len(periods)
    await subscriptions.trigger(momoflow.client, subscription_id)

    def shared_period(found: list[Any]) -> bool:
        seen: dict[str, int] = {}
        for period in found:
            for debit in period.debits:
                seen[debit] = seen.get(debit, 0) + 1
        return len(found) > runs_before and any(count > 1 for count in seen.values())

    periods = await eventually(lambda: subscriptions.debits(momoflow.client, subscription_id), shared_period)
    assert shared_period(periods), periods
    stats = await stack.sandbox_stats()
    references = {p.last_state.reference_id for p in successful(periods)}
    assert len(references) == len({p.debits[0] for p in successful(periods)})  # one Request to Pay per period
    assert all(stats["posts_accepted"][reference] == 1 for reference in references)

    # The customer cancels the mandate: the next period stops the subscription and says why.
    assert await momoflow.cancel_pre_approval(mandate.reference_id)
    view = await eventually(lambda: momoflow.subscription(subscription_id), lambda v: v.state == "STOPPED", timeout=20)
    assert view.state == "STOPPED"
    assert view.note == f"stopped: pre-approval {mandate.reference_id} is CANCELLED"
    periods = await subscriptions.debits(momoflow.client, subscription_id)
    stopped = [p for p in periods if p.status == "STOPPED"]
    assert stopped and all(p.debits == [] for p in stopped)
    # The operator's CLI shows the same, as one JSON document.
    argv = [sys.executable, "-m", "starter", "--json", "subscription", "show", subscription_id]
    shown = await asyncio.to_thread(
        subprocess.run, argv, env=stack.client_env(), capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["state"] == "STOPPED"
    await subscriptions.cancel(momoflow.client, subscription_id)
    with pytest.raises(RPCError) as missing:
        await momoflow.subscription(subscription_id)
    assert subscriptions.is_not_found(missing.value)
