"""Re-record the workflow histories the replay tests use (``make record-histories``).

Starts a private stack (dev server, sandbox, gateway, worker on free ports),
drives one payment through each path of the payment pattern, and writes each
history as JSON beside this file. Re-record after an intended, compatible
change; an incompatible change must instead be guarded with workflow.patched().
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import httpx

from devstack import Stack, StackConfig
from momoflow.models import PaymentStatus, PaymentTiming
from starter.facade import Momoflow

HISTORIES = Path(__file__).parent / "histories"
FAST = PaymentTiming(callback_timeout_s=10, poll_interval_s=1, deadline_s=60)


def _request(payer: str, name: str, currency: str = "EUR") -> dict[str, object]:
    return {
        "amount": "250.50",
        "currency": currency,
        "payer": {"party_id_type": "MSISDN", "party_id": payer},
        "external_id": f"REPLAY-{name}",
        "payer_message": "Replay fixture",
    }


async def _faults(stack: Stack, **values: float) -> None:
    async with httpx.AsyncClient() as http:
        (await http.put(f"{stack.config.sandbox_url}/sandbox/faults", json=values)).raise_for_status()


async def record(out_dir: Path = HISTORIES) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Plain payloads, so the replay test needs no key.
        config = StackConfig.ephemeral(Path(tmp), sandbox_env={"SANDBOX_APPROVAL_DELAY_S": "0.5"}, codec_keys="")
        stack = await Stack(config).start()
        try:
            momoflow: Momoflow = stack.momoflow()
            ids: dict[str, str] = {}

            async def run(name: str, request: dict[str, object], timing: PaymentTiming = FAST) -> None:
                payment = await momoflow.request_to_pay(request, timing=timing)
                await payment.result()
                ids[name] = payment.workflow_id

            await run("callback-successful", _request("46733999999", "callback-successful"))
            await run("callback-rejected", _request("46733123451", "callback-rejected"))
            await run("submit-invalid-currency", _request("46733999999", "submit-invalid-currency", "XOF"))
            await _faults(stack, callback_drop_rate=1.0)
            await run("poll-successful", _request("46733999998", "poll-successful"), FAST.model_copy(update={"callback_timeout_s": 2}))
            await _faults(stack, callback_drop_rate=0.0)

            # Never answered: UNKNOWN at the deadline, then settled by an operator.
            unknown = await momoflow.request_to_pay(
                _request("46733123453", "unknown-resolved"),
                timing=FAST.model_copy(update={"callback_timeout_s": 1, "deadline_s": 3, "reconcile_initial_interval_s": 1}),
            )
            while (await unknown.status()).status is not PaymentStatus.UNKNOWN:
                await asyncio.sleep(0.2)
            await unknown.resolve("FAILED", operator="replay-recorder", reason="fixture: customer never answered")
            ids["unknown-resolved"] = unknown.workflow_id

            written = []
            for name, workflow_id in ids.items():
                history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
                path = out_dir / f"request_to_pay-{name}.json"
                path.write_text(history.to_json())
                written.append(path)
            return written
        finally:
            stack.stop()


def main() -> None:
    for path in asyncio.run(record()):
        print(f"recorded {path}")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
