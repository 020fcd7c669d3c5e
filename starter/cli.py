"""``python -m starter``: start and follow payments from a shell.

Exit codes: 0 successful, 1 failed, 2 bad input, 3 not final yet (pending or UNKNOWN).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from momo.models import PartyIdType
from momoflow.masking import mask_msisdn
from momoflow.models import PaymentState, PaymentStatus
from momoflow.settings import TemporalSettings
from starter.facade import Momoflow, PaymentHandle, StartError, parse_request_to_pay

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_NOT_FINAL = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m starter", description="Start and follow MoMo payments.")
    parser.add_argument("--ui", default="http://127.0.0.1:8233", help="Temporal Web UI base URL for links")
    sub = parser.add_subparsers(dest="command", required=True)

    rtp = sub.add_parser("request-to-pay", help="collect money from a customer")
    rtp.add_argument("--amount", required=True, help="decimal amount, e.g. 500 or 12.50")
    rtp.add_argument("--currency", required=True, help="ISO 4217 code (EUR in the sandbox)")
    rtp.add_argument("--payer", required=True, help="payer id: MSISDN digits without '+', email or party code")
    rtp.add_argument("--payer-type", default="MSISDN", choices=[t.value for t in PartyIdType])
    rtp.add_argument("--external-id", required=True, help="your order or invoice id")
    rtp.add_argument("--message", default="", help="payer message (max 160 characters)")
    rtp.add_argument("--note", default="", help="payee note (max 160 characters)")
    rtp.add_argument("--key", default=None, help="idempotency key (default: the external id)")
    rtp.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")
    rtp.add_argument("--no-wait", action="store_true", help="start and print the workflow id only")

    status = sub.add_parser("status", help="show a payment's live state")
    status.add_argument("workflow_id")

    resolve = sub.add_parser("resolve", help="settle an UNKNOWN payment by hand")
    resolve.add_argument("workflow_id")
    resolve.add_argument("--status", required=True, choices=["SUCCESSFUL", "FAILED"])
    resolve.add_argument("--operator", required=True, help="who decides (recorded in the workflow)")
    resolve.add_argument("--reason", required=True, help="why (recorded in the workflow)")
    resolve.add_argument("--financial-transaction-id", default=None)
    return parser


def _summary(state: PaymentState) -> dict[str, Any]:
    return state.model_dump(mode="json", exclude={"history"})


def _exit_code(state: PaymentState) -> int:
    if state.status is PaymentStatus.SUCCESSFUL:
        return EXIT_OK
    if state.status is PaymentStatus.FAILED:
        return EXIT_FAILED
    return EXIT_NOT_FINAL


async def follow(payment: PaymentHandle, timeout: float | None, out: Any = sys.stdout) -> PaymentState:
    """Print each status change until final or ``timeout``; return the last state seen."""

    async def _watch() -> PaymentState:
        last: PaymentState | None = None
        async for state in payment.watch():
            last = state
            detail = f" reason={state.reason}" if state.reason else ""
            print(f"  {state.status.value:<10} reference={state.reference_id}{detail}", file=out, flush=True)
        assert last is not None
        return last

    try:
        return await asyncio.wait_for(_watch(), timeout) if timeout else await _watch()
    except TimeoutError:
        return await payment.status()


async def run(args: argparse.Namespace) -> int:
    request: dict[str, Any] = {}
    if args.command == "request-to-pay":
        request = {
            "amount": args.amount,
            "currency": args.currency,
            "payer": {"party_id_type": args.payer_type, "party_id": args.payer},
            "external_id": args.external_id,
            "payer_message": args.message,
            "payee_note": args.note,
        }
        parse_request_to_pay(request)  # refuse bad input before touching the network
    momoflow = await Momoflow.connect(TemporalSettings(), ui_base_url=args.ui)
    if args.command == "status":
        print(json.dumps(_summary(await momoflow.handle(args.workflow_id).status()), indent=2))
        return EXIT_OK
    if args.command == "resolve":
        state = await momoflow.handle(args.workflow_id).resolve(
            args.status, args.operator, args.reason, args.financial_transaction_id
        )
        print(json.dumps(_summary(state), indent=2))
        return _exit_code(state)

    payment = await momoflow.request_to_pay(request, key=args.key)
    shown = mask_msisdn(args.payer) if args.payer_type == "MSISDN" else "***"
    print(f"Request to Pay {args.amount} {args.currency} from {shown}: workflow {payment.workflow_id}", flush=True)
    if payment.ui_url:
        print(f"Watch it in the Temporal Web UI: {payment.ui_url}", flush=True)
    if args.no_wait:
        return EXIT_NOT_FINAL
    state = await follow(payment, args.timeout)
    print(json.dumps(_summary(state), indent=2))
    if not state.is_final:
        print(f"Not final yet: {state.status.value}. Check again with: python -m starter status {payment.workflow_id}")
    return _exit_code(state)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
