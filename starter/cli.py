"""``python -m starter``: start and follow MoMo operations from a shell.

Exit codes: 0 successful, 1 failed (or refused by MoMo), 2 bad input,
3 not final yet (pending or UNKNOWN).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from momo.models import PartyIdType
from momoflow.masking import mask_msisdn
from momoflow.models import PaymentState, PaymentStatus, Product
from momoflow.operations import InvoiceRequest, PreApprovalRequest, RequestToPayRequest, TransferRequest
from momoflow.settings import PaymentDefaults, TemporalSettings
from momoflow.temporal import TemporalSetupError
from momoflow.validation import check_sandbox_currency
from starter.facade import Momoflow, OperationFailed, PaymentHandle, StartError, parse

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_NOT_FINAL = 0, 1, 2, 3
PARTY_TYPES = [t.value for t in PartyIdType]
PRODUCTS = [p.value for p in Product]


def _party_args(parser: argparse.ArgumentParser, role: str, help_text: str) -> None:
    parser.add_argument(f"--{role}", required=True, help=f"{help_text}: MSISDN digits without '+', email or party code")
    parser.add_argument(f"--{role}-type", default="MSISDN", choices=PARTY_TYPES)


def _follow_args(parser: argparse.ArgumentParser, key_required: bool = False) -> None:
    parser.add_argument("--key", required=key_required, default=None, help="idempotency key (default: the external id)")
    parser.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")
    parser.add_argument("--no-wait", action="store_true", help="start and print the workflow id only")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m starter", description="Start and follow MoMo operations.")
    parser.add_argument("--ui", default="http://127.0.0.1:8233", help="Temporal Web UI base URL for links")
    sub = parser.add_subparsers(dest="command", required=True)

    rtp = sub.add_parser("request-to-pay", help="collect money from a customer")
    rtp.add_argument("--amount", required=True, help="decimal amount, e.g. 500 or 12.50")
    rtp.add_argument("--currency", required=True, help="ISO 4217 code (EUR in the sandbox)")
    _party_args(rtp, "payer", "who pays")
    rtp.add_argument("--external-id", required=True, help="your order or invoice id")
    rtp.add_argument("--message", default="", help="payer message (max 160 characters)")
    rtp.add_argument("--note", default="", help="payee note (max 160 characters)")
    _follow_args(rtp)

    transfer = sub.add_parser("transfer", help="pay money out to a customer")
    transfer.add_argument("--amount", required=True)
    transfer.add_argument("--currency", required=True)
    _party_args(transfer, "payee", "who receives")
    transfer.add_argument("--external-id", required=True)
    transfer.add_argument("--message", default="")
    transfer.add_argument("--note", default="")
    transfer.add_argument("--check-payee", action="store_true", help="first check the payee is an active account holder")
    transfer.add_argument("--check-balance", action="store_true", help="first check the balance covers the amount")
    _follow_args(transfer)

    pre = sub.add_parser("pre-approval", help="pre-approvals: create, list, cancel").add_subparsers(dest="action", required=True)
    create = pre.add_parser("create", help="ask a customer to allow future debits")
    _party_args(create, "payer", "who approves")
    create.add_argument("--currency", required=True)
    create.add_argument("--validity", type=int, required=True, help="how long the approval lasts, in seconds")
    create.add_argument("--message", default="")
    _follow_args(create, key_required=True)
    listing = pre.add_parser("list", help="a payer's pre-approvals")
    _party_args(listing, "payer", "whose")
    cancel = pre.add_parser("cancel", help="cancel an approved pre-approval")
    cancel.add_argument("pre_approval_id")

    holder = sub.add_parser("account-holder", help="is this party an active MoMo customer?")
    _party_args(holder, "party", "who")
    holder.add_argument("--product", default="collection", choices=PRODUCTS)
    holder.add_argument("--basic-info", action="store_true", help="also fetch the holder's names")

    balance = sub.add_parser("balance", help="the available balance of an account")
    balance.add_argument("--product", default="collection", choices=PRODUCTS)
    balance.add_argument("--currency", default=None)

    inv = sub.add_parser("invoice", help="invoices: create, cancel").add_subparsers(dest="action", required=True)
    create_inv = inv.add_parser("create", help="create an invoice and follow it")
    create_inv.add_argument("--amount", required=True)
    create_inv.add_argument("--currency", required=True)
    _party_args(create_inv, "payer", "who is meant to pay")
    _party_args(create_inv, "payee", "who is paid")
    create_inv.add_argument("--external-id", required=True)
    create_inv.add_argument("--validity", type=int, required=True, help="seconds until the invoice expires")
    create_inv.add_argument("--description", default="")
    _follow_args(create_inv)
    cancel_inv = inv.add_parser("cancel", help="cancel an invoice")
    which = cancel_inv.add_mutually_exclusive_group(required=True)
    which.add_argument("--workflow-id", help="an invoice momoflow created (its workflow id)")
    which.add_argument("--reference-id", help="an invoice created elsewhere (its MoMo reference id)")
    cancel_inv.add_argument("--external-id", help="with --reference-id: the invoice's external id")

    status = sub.add_parser("status", help="show an operation's live state")
    status.add_argument("workflow_id")

    resolve = sub.add_parser("resolve", help="settle an UNKNOWN operation by hand")
    resolve.add_argument("workflow_id")
    resolve.add_argument("--status", required=True, choices=["SUCCESSFUL", "FAILED"])
    resolve.add_argument("--operator", required=True, help="who decides (recorded in the workflow)")
    resolve.add_argument("--reason", required=True, help="why (recorded in the workflow)")
    resolve.add_argument("--financial-transaction-id", default=None)

    sub.add_parser("demo", help="run every use case against a running stack and compare with expectations")
    return parser


def _party(args: argparse.Namespace, role: str) -> dict[str, str]:
    return {"party_id_type": getattr(args, f"{role}_type"), "party_id": getattr(args, role)}


def _shown(party: dict[str, str]) -> str:
    return mask_msisdn(party["party_id"]) if party["party_id_type"] == "MSISDN" else "***"


def _summary(state: PaymentState) -> dict[str, Any]:
    return state.model_dump(mode="json", exclude={"history"})


def _exit_code(state: PaymentState) -> int:
    if state.status is PaymentStatus.SUCCESSFUL:
        return EXIT_OK
    if state.status is PaymentStatus.FAILED:
        return EXIT_FAILED
    return EXIT_NOT_FINAL


def _print_json(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [item.model_dump(mode="json") if isinstance(item, BaseModel) else item for item in value]
    print(json.dumps(value, indent=2))


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


async def _started(payment: PaymentHandle, headline: str, args: argparse.Namespace) -> int:
    print(f"{headline}: workflow {payment.workflow_id}", flush=True)
    if payment.ui_url:
        print(f"Watch it in the Temporal Web UI: {payment.ui_url}", flush=True)
    if args.no_wait:
        return EXIT_NOT_FINAL
    state = await follow(payment, args.timeout)
    print(json.dumps(_summary(state), indent=2))
    if not state.is_final:
        print(f"Not final yet: {state.status.value}. Check again with: python -m starter status {payment.workflow_id}")
    return _exit_code(state)


def _validated(args: argparse.Namespace) -> BaseModel | None:
    """Build and check the request before connecting anywhere, so typos cost nothing."""
    command, action = args.command, getattr(args, "action", None)
    if command == "request-to-pay":
        return parse(
            RequestToPayRequest,
            {
                "amount": args.amount,
                "currency": args.currency,
                "payer": _party(args, "payer"),
                "external_id": args.external_id,
                "payer_message": args.message,
                "payee_note": args.note,
            },
        )
    if command == "transfer":
        return parse(
            TransferRequest,
            {
                "amount": args.amount,
                "currency": args.currency,
                "payee": _party(args, "payee"),
                "external_id": args.external_id,
                "payer_message": args.message,
                "payee_note": args.note,
                "check_payee": args.check_payee,
                "check_balance": args.check_balance,
            },
        )
    if command == "pre-approval" and action == "create":
        return parse(
            PreApprovalRequest,
            {"payer": _party(args, "payer"), "currency": args.currency, "validity_s": args.validity, "payer_message": args.message},
        )
    if command == "invoice" and action == "create":
        return parse(
            InvoiceRequest,
            {
                "amount": args.amount,
                "currency": args.currency,
                "intended_payer": _party(args, "payer"),
                "payee": _party(args, "payee"),
                "external_id": args.external_id,
                "validity_s": args.validity,
                "description": args.description,
            },
        )
    if command == "invoice" and action == "cancel" and args.reference_id and not args.external_id:
        raise StartError("external_id: required with --reference-id")
    return None


async def run(args: argparse.Namespace) -> int:
    request = _validated(args)
    currency = getattr(request, "currency", None) or getattr(args, "currency", None)
    try:
        check_sandbox_currency(currency, PaymentDefaults().target_environment)
    except ValueError as exc:
        raise StartError(str(exc)) from None
    momoflow = await Momoflow.connect(TemporalSettings(), ui_base_url=args.ui)
    command, action = args.command, getattr(args, "action", None)
    handlers: dict[tuple[str, str | None], Callable[[], Awaitable[int]]] = {
        ("request-to-pay", None): lambda: _request_to_pay(momoflow, request, args),
        ("transfer", None): lambda: _transfer(momoflow, request, args),
        ("pre-approval", "create"): lambda: _pre_approval(momoflow, request, args),
        ("pre-approval", "list"): lambda: _print_result(momoflow.list_pre_approvals(_party(args, "payer"))),
        ("pre-approval", "cancel"): lambda: _print_result(momoflow.cancel_pre_approval(args.pre_approval_id)),
        ("account-holder", None): lambda: _print_result(
            momoflow.validate_account_holder(_party(args, "party"), product=args.product, basic_info=args.basic_info)
        ),
        ("balance", None): lambda: _print_result(momoflow.get_balance(product=args.product, currency=args.currency)),
        ("invoice", "create"): lambda: _invoice(momoflow, request, args),
        ("invoice", "cancel"): lambda: _cancel_invoice(momoflow, args),
        ("status", None): lambda: _print_result(momoflow.handle(args.workflow_id).status(), EXIT_OK),
        ("resolve", None): lambda: _resolve(momoflow, args),
    }
    if command == "demo":
        from starter.demo import run_demo

        return await run_demo(momoflow)
    return await handlers[(command, action)]()


async def _print_result(call: Awaitable[Any], code: int = EXIT_OK) -> int:
    result = await call
    _print_json(result)
    if isinstance(result, PaymentState) and code is not EXIT_OK:
        return _exit_code(result)
    return code


async def _request_to_pay(momoflow: Momoflow, request: Any, args: argparse.Namespace) -> int:
    payment = await momoflow.request_to_pay(request, key=args.key)
    return await _started(payment, f"Request to Pay {args.amount} {args.currency} from {_shown(_party(args, 'payer'))}", args)


async def _transfer(momoflow: Momoflow, request: Any, args: argparse.Namespace) -> int:
    payment = await momoflow.transfer(request, key=args.key)
    return await _started(payment, f"Transfer {args.amount} {args.currency} to {_shown(_party(args, 'payee'))}", args)


async def _pre_approval(momoflow: Momoflow, request: Any, args: argparse.Namespace) -> int:
    payment = await momoflow.pre_approval(request, key=args.key)
    return await _started(payment, f"Pre-approval from {_shown(_party(args, 'payer'))}", args)


async def _invoice(momoflow: Momoflow, request: Any, args: argparse.Namespace) -> int:
    payment = await momoflow.create_invoice(request, key=args.key)
    return await _started(payment, f"Invoice {args.amount} {args.currency} for {_shown(_party(args, 'payer'))}", args)


async def _cancel_invoice(momoflow: Momoflow, args: argparse.Namespace) -> int:
    if args.workflow_id:
        state = await momoflow.invoice(args.workflow_id).cancel()
        _print_json(_summary(state))
        return EXIT_OK if state.details.get("cancellation_status") == "SUCCESSFUL" else EXIT_FAILED
    payment = await momoflow.cancel_invoice({"invoice_reference_id": args.reference_id, "external_id": args.external_id})
    state = await follow(payment, None)
    _print_json(_summary(state))
    return _exit_code(state)


async def _resolve(momoflow: Momoflow, args: argparse.Namespace) -> int:
    state = await momoflow.handle(args.workflow_id).resolve(
        args.status, args.operator, args.reason, args.financial_transaction_id
    )
    _print_json(_summary(state))
    return _exit_code(state)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OperationFailed as exc:
        print(f"refused by MoMo: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except TemporalSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyError as exc:
        if "binary/encrypted" not in str(exc):
            raise
        print(
            "error: the workflow's data is encrypted and no key is configured: set CODEC_KEYS"
            " (make run keeps its key in data/codec-keys, read from the project folder)",
            file=sys.stderr,
        )
        return EXIT_INPUT
