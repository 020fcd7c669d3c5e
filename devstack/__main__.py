"""``python -m devstack`` (``make run``): the whole stack, one payment, then wait for Ctrl-C.

Ctrl-C, SIGTERM and SIGHUP (the terminal closing) stop every process at any
moment, the demo payment included. ``python -m devstack stop`` (``make stop``)
stops a stack left running, through the pid file in the data folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from decimal import Decimal
from pathlib import Path

from devstack.pidfile import PidFile, stop_recorded
from devstack.processes import port_open
from devstack.stack import Stack, StackConfig
from momoflow.masking import mask_msisdn
from starter.cli import follow

DEMO_PAYER = "46733123454"  # the sandbox's "delayed" number: PENDING first, then SUCCESSFUL


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("action", nargs="?", default="run", choices=["run", "stop"], help="run (default) or stop")
    parser.add_argument("--data-dir", default=os.environ.get("MOMOFLOW_DATA_DIR", "data"))
    parser.add_argument("--amount", default="500")
    parser.add_argument("--payer", default=DEMO_PAYER)
    parser.add_argument("--no-demo", action="store_true", help="start the stack without a demo payment")
    parser.add_argument(
        "--manual",
        action="store_true",
        help="customers decide nothing by themselves: approve each payment on the customer page",
    )
    parser.add_argument("--ephemeral-ports", action="store_true", help="free ports and no Web UI (beside other stacks)")
    return parser.parse_args(argv)


def _config(args: argparse.Namespace) -> StackConfig:
    """The stack ``make run`` starts: ``SANDBOX_*`` settings of this shell reach the sandbox, which keeps its state."""
    sandbox_env = {k: v for k, v in os.environ.items() if k.startswith("SANDBOX_")}
    if args.manual:
        sandbox_env["SANDBOX_AUTO_DECIDE"] = "false"
    data_dir = Path(args.data_dir).resolve()
    if args.ephemeral_ports:
        return StackConfig.ephemeral(data_dir, sandbox_env=sandbox_env, keep_sandbox_state=True)
    return StackConfig(data_dir=data_dir, sandbox_env=sandbox_env, keep_sandbox_state=True)


def _say(text: str = "", **kwargs: object) -> None:
    """Print, unless the terminal is gone (SIGHUP): stopping must not fail on that."""
    try:
        print(text, flush=True, **kwargs)  # type: ignore[call-overload]
    except OSError:
        pass


async def _main(args: argparse.Namespace) -> int:
    config = _config(args)
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
        print(
            f"error: already in use: {', '.join(busy)}. Is another momoflow stack running? Stop it with: make stop",
            file=sys.stderr,
        )
        return 1

    stack = Stack(config)
    pid_file = PidFile(config.data_dir)
    main_task = asyncio.current_task()
    assert main_task is not None
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        _say(f"\n{signal.Signals(signum).name}: stopping…")
        main_task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, on_signal, sig)

    pid_file.write(stack)
    code = 0
    try:
        await _serve(stack, args, pid_file)
    except asyncio.CancelledError:
        pass
    except Exception as exc:
        _say(f"error: {exc}", file=sys.stderr)
        code = 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        stack.stop()
        pid_file.remove()
        _say("Stopped.")
    return code


async def _serve(stack: Stack, args: argparse.Namespace, pid_file: PidFile) -> None:
    config = stack.config
    _say("Starting the Temporal dev server, the MoMo sandbox, the callback gateway and the worker…")
    await stack.start()
    pid_file.write(stack)
    _say(f"  Temporal      {config.temporal_address}  (state in {config.data_dir / 'temporal.db'})")
    if config.ui_url:
        _say(f"  Web UI        {config.ui_url}")
    _say(f"  MoMo sandbox  {config.sandbox_url}  (API user: {stack.credentials.api_user})")  # type: ignore[union-attr]
    _say(f"                state kept in {config.sandbox_state_file}")
    _say(f"  customer page {config.sandbox_url}/sandbox/customer")
    _say(f"  gateway       {config.gateway_url}")
    if stack.codec_server is not None:
        _say(f"  codec server  {config.codec_url}  (the Web UI decrypts payloads through it)")
    for name, url in stack.metrics_urls.items():
        _say(f"  metrics       {url}  ({name})")
    _say(f"  logs          {config.data_dir / 'logs'}")
    if config.sandbox_env.get("SANDBOX_AUTO_DECIDE", "").lower() in ("false", "0", "no"):
        _say(
            f"\nCustomers decide nothing by themselves: approve or reject each payment at {config.sandbox_url}/sandbox/customer"
        )

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
        _say(f"\nRequest to Pay {args.amount} EUR from {mask_msisdn(args.payer)} (order {external_id}):")
        state = await follow(payment, timeout=None)
        final = f"\nFinal status: {state.status.value}"
        if state.financial_transaction_id:
            final += f"  financialTransactionId={state.financial_transaction_id}"
        if state.reason:
            final += f"  reason={state.reason}"
        _say(final)
        if payment.ui_url:
            _say(f"Watch it in the Temporal Web UI: {payment.ui_url}")
        _say('Search for payments there with: MomoStatus="SUCCESSFUL" or MomoExternalId="' + external_id + '"')

    _say(
        "\nEverything keeps running. Try: .venv/bin/python -m starter request-to-pay --amount 500 --currency EUR "
        "--payer 46733123451 --external-id ORDER-1"
    )
    _say("Press Ctrl-C to stop (or run `make stop` from another terminal).")
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    if args.action == "stop":
        code = stop_recorded(Path(args.data_dir).resolve())
    else:
        code = asyncio.run(_main(args))
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
