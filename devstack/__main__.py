"""``python -m devstack`` (``make run``): the whole stack, one payment, then wait for Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from decimal import Decimal
from pathlib import Path

from devstack.processes import port_open
from devstack.stack import Stack, StackConfig
from momoflow.masking import mask_msisdn
from starter.cli import follow

DEMO_PAYER = "46733123454"  # the sandbox's "delayed" number: PENDING first, then SUCCESSFUL


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("MOMOFLOW_DATA_DIR", "data"))
    parser.add_argument("--amount", default="500")
    parser.add_argument("--payer", default=DEMO_PAYER)
    parser.add_argument("--no-demo", action="store_true", help="start the stack without a demo payment")
    return parser.parse_args()


async def _main(args: argparse.Namespace) -> int:
    config = StackConfig(data_dir=Path(args.data_dir).resolve())
    busy = [
        f"{name} port {port}"
        for name, port in (
            ("Temporal", config.temporal_port),
            ("Web UI", config.ui_port),
            ("sandbox", config.sandbox_port),
            ("gateway", config.gateway_port),
            ("codec server", config.codec_port),
        )
        if port and port_open(config.host, port)
    ]
    if busy:
        print(f"error: already in use: {', '.join(busy)}. Is another momoflow stack running?", file=sys.stderr)
        return 1

    stack = Stack(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    print("Starting the Temporal dev server, the MoMo sandbox, the callback gateway and the worker…", flush=True)
    try:
        await stack.start()
        print(f"  Temporal      {config.temporal_address}  (state in {config.data_dir / 'temporal.db'})")
        print(f"  Web UI        {config.ui_url}")
        print(f"  MoMo sandbox  {config.sandbox_url}  (API user provisioned: {stack.credentials.api_user})")  # type: ignore[union-attr]
        print(f"  gateway       {config.gateway_url}")
        print(f"  codec server  {config.codec_url}  (the Web UI decrypts payloads through it)")
        for name, url in stack.metrics_urls.items():
            print(f"  metrics       {url}  ({name})")
        print(f"  logs          {config.data_dir / 'logs'}", flush=True)

        if not args.no_demo:
            momoflow = stack.momoflow()
            external_id = f"DEMO-{int(time.time())}"
            payment = await momoflow.request_to_pay(
                {
                    "amount": Decimal(args.amount),
                    "currency": "EUR",
                    "payer": {"party_id_type": "MSISDN", "party_id": args.payer},
                    "external_id": external_id,
                    "payer_message": "Demo order",
                    "payee_note": "momoflow demo",
                }
            )
            print(f"\nRequest to Pay {args.amount} EUR from {mask_msisdn(args.payer)} (order {external_id}):")
            state = await follow(payment, timeout=None)
            print(f"\nFinal status: {state.status.value}", end="")
            if state.financial_transaction_id:
                print(f"  financialTransactionId={state.financial_transaction_id}", end="")
            if state.reason:
                print(f"  reason={state.reason}", end="")
            print(f"\nWatch it in the Temporal Web UI: {payment.ui_url}")
            print('Search for payments there with: MomoStatus="SUCCESSFUL" or MomoExternalId="' + external_id + '"')

        print("\nEverything keeps running. Try: .venv/bin/python -m starter request-to-pay --amount 500 --currency EUR "
              "--payer 46733123451 --external-id ORDER-1", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()
    finally:
        print("\nStopping…", flush=True)
        stack.stop()
    return 0


def main() -> None:
    code = asyncio.run(_main(_parse()))
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
