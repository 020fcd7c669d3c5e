"""History events per payment for each asynchronous use case, next to the bare-Temporal baseline's.

The server's cost per payment grows with the events it writes; these counts show where each
use case stands against the baseline shape (activity, signal, activity), whose figure comes
from the timed baseline rounds. Each use case runs a few payments that the sandbox settles at
once (approving customers, a payee that exists), one after another, untimed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client

from bench.measure import median
from momoflow.models import PaymentTiming
from starter.facade import Momoflow

TIMING = PaymentTiming(callback_timeout_s=600, poll_interval_s=30, deadline_s=1800)
PAYEE = {"party_id_type": "MSISDN", "party_id": "46733000002"}


async def events_in(client: Client, workflow_id: str) -> int:
    return len((await client.get_workflow_handle(workflow_id).fetch_history()).events)


async def per_use_case(client: Client, momoflow: Momoflow, run_id: str, count: int = 3) -> dict[str, float]:
    """Median history events of ``count`` settled payments of each asynchronous use case."""

    def payer(i: int) -> dict[str, str]:
        return {"party_id_type": "MSISDN", "party_id": str(46701000000 + i)}

    starts: dict[str, Callable[[int], Awaitable[Any]]] = {
        "request_to_pay": lambda i: momoflow.request_to_pay(
            {"amount": "10", "currency": "EUR", "payer": payer(i), "external_id": f"H-{run_id}-rtp-{i}"}, timing=TIMING
        ),
        "transfer": lambda i: momoflow.transfer(
            {"amount": "10", "currency": "EUR", "payee": payer(i), "external_id": f"H-{run_id}-tr-{i}"}, timing=TIMING
        ),
        "pre_approval": lambda i: momoflow.pre_approval(
            {"payer": payer(i), "currency": "EUR", "validity_s": 600}, key=f"H-{run_id}-pa-{i}", timing=TIMING
        ),
        "invoice": lambda i: momoflow.create_invoice(
            {
                "amount": "10",
                "currency": "EUR",
                "payee": PAYEE,
                "intended_payer": payer(i),
                "validity_s": 600,
                "external_id": f"H-{run_id}-inv-{i}",
            },
            timing=TIMING,
        ),  # fmt: skip
    }
    out: dict[str, float] = {}
    for name, start in starts.items():
        events = []
        for i in range(count):
            handle = await start(i)
            await handle.result()
            events.append(await events_in(client, handle.workflow_id))
        out[name] = median(events)
    return out
