"""``python -m starter``: start, follow, find and settle MoMo operations from a shell.

Every failure ends as one line with its fix and a documented exit code (see
``--help``), never a traceback; ``--json`` gives scripts one JSON document on
stdout, and errors as one JSON object on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from momo.models import PartyIdType
from momoflow import use_cases
from momoflow.contract import STATUS_QUERY, IdPrefix
from momoflow.masking import mask_msisdn
from momoflow.models import PaymentState, PaymentStatus, Product
from momoflow.operations import (
    CancelInvoiceRequest,
    DeliveryNotificationInput,
    InvoiceRequest,
    PreApprovalRequest,
    RequestToPayRequest,
    RequestToWithdrawRequest,
    TransferRequest,
    check_note_key,
)
from momoflow.payouts import DepositRequest, RemittanceTransferRequest
from momoflow.refunds import RefundRequest, check_original_key
from momoflow.settings import PaymentDefaults, TemporalSettings
from momoflow.validation import check_sandbox_currency, validate_key
from starter import listing, refund_cli, subscription_cli, webhooks_cli
from starter.exits import (
    EXIT_CODES_HELP,
    EXIT_FAILED,
    EXIT_NOT_FINAL,
    EXIT_OK,
    CliError,
    Context,
    NotAllowed,
    NotFound,
    exit_code_for,
    explain,
)
from starter.facade import Momoflow, OperationFailed, PaymentHandle, StartError, parse
from workflows.delivery_notification import PAYMENT_REFUSALS

PARTY_TYPES = [t.value for t in PartyIdType]
PRODUCTS = [p.value for p in Product]
QUERY_TIMEOUT = timedelta(seconds=10)


class Output:
    """Human lines or one JSON document: every command prints through this."""

    def __init__(self, as_json: bool) -> None:
        self.json = as_json

    def line(self, text: str) -> None:
        """Progress and headlines: shown to people, left out of ``--json`` output."""
        if not self.json:
            print(text, flush=True)

    def result(self, value: Any) -> None:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        elif isinstance(value, list):
            value = [item.model_dump(mode="json") if isinstance(item, BaseModel) else item for item in value]
        print(json.dumps(value) if self.json else json.dumps(value, indent=2), flush=True)

    def error(self, error: CliError, context: Context) -> None:
        if self.json:
            body = {"kind": error.kind, "message": error.message, "exit_code": error.exit_code}
            if context.workflow_id:
                body["workflow_id"] = context.workflow_id
            print(json.dumps({"error": body}), file=sys.stderr, flush=True)
        else:
            print(f"error: {error.message}", file=sys.stderr, flush=True)


def _party_args(parser: argparse.ArgumentParser, role: str, help_text: str) -> None:
    parser.add_argument(f"--{role}", required=True, help=f"{help_text}: MSISDN digits without '+', email or party code")
    parser.add_argument(f"--{role}-type", default="MSISDN", choices=PARTY_TYPES)


def _follow_args(parser: argparse.ArgumentParser, key_required: bool = False) -> None:
    parser.add_argument("--key", required=key_required, default=None, help="idempotency key (default: the external id)")
    parser.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")
    parser.add_argument("--no-wait", action="store_true", help="start and print the workflow id only")


class _Parser(argparse.ArgumentParser):
    """Every (sub)command takes ``--json`` and lists the exit codes in its help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EXIT_CODES_HELP)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print one JSON document on stdout (errors: one JSON object on stderr)",
        )


def _collection_args(parser: argparse.ArgumentParser, payer_help: str, external_id_help: str) -> None:
    """The arguments of money collected from a payer (Request to Pay, Request to Withdraw)."""
    parser.add_argument("--amount", required=True, help="decimal amount, e.g. 500 or 12.50")
    parser.add_argument("--currency", required=True, help="ISO 4217 code (EUR in the sandbox)")
    _party_args(parser, "payer", payer_help)
    parser.add_argument("--external-id", required=True, help=external_id_help)
    parser.add_argument("--message", default="", help="payer message (max 160 characters)")
    parser.add_argument("--note", default="", help="payee note (max 160 characters)")
    _follow_args(parser)


def _request_to_pay_args(rtp: argparse.ArgumentParser) -> None:
    _collection_args(rtp, "who pays", "your order or invoice id")


def _request_to_withdraw_args(withdraw: argparse.ArgumentParser) -> None:
    _collection_args(withdraw, "whose wallet", "your cash-out id")


def _notify_delivery_args(notify: argparse.ArgumentParser) -> None:
    notify.add_argument("--payment-key", required=True, help="the Request to Pay's key (its workflow id is rtp-<key>)")
    notify.add_argument("--message", required=True, help="the note: printable ASCII, max 160 characters")
    notify.add_argument("--note-key", default=None, help="one note per key (default: derived from the message)")
    notify.add_argument("--language", default=None, help="ISO 639 code choosing MoMo's template, e.g. en")
    notify.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")


def _transfer_args(transfer: argparse.ArgumentParser) -> None:
    transfer.add_argument("--amount", required=True)
    transfer.add_argument("--currency", required=True)
    _party_args(transfer, "payee", "who receives")
    transfer.add_argument("--external-id", required=True)
    transfer.add_argument("--message", default="")
    transfer.add_argument("--note", default="")
    transfer.add_argument(
        "--check-payee", action="store_true", help="first check the payee is an active account holder"
    )
    transfer.add_argument("--check-balance", action="store_true", help="first check the balance covers the amount")
    _follow_args(transfer)


def _payout_args(payout: argparse.ArgumentParser) -> None:
    """A deposit's or a remittance transfer's arguments: a Transfer body, no pre-checks."""
    payout.add_argument("--amount", required=True)
    payout.add_argument("--currency", required=True)
    _party_args(payout, "payee", "who receives")
    payout.add_argument("--external-id", required=True)
    payout.add_argument("--message", default="")
    payout.add_argument("--note", default="")
    _follow_args(payout)


def _pre_approval_args(create: argparse.ArgumentParser) -> None:
    _party_args(create, "payer", "who approves")
    create.add_argument("--currency", required=True)
    create.add_argument("--validity", type=int, required=True, help="how long the approval lasts, in seconds")
    create.add_argument("--message", default="")
    _follow_args(create, key_required=True)


def _invoice_args(create_inv: argparse.ArgumentParser) -> None:
    create_inv.add_argument("--amount", required=True)
    create_inv.add_argument("--currency", required=True)
    _party_args(create_inv, "payer", "who is meant to pay")
    _party_args(create_inv, "payee", "who is paid")
    create_inv.add_argument("--external-id", required=True)
    create_inv.add_argument("--validity", type=int, required=True, help="seconds until the invoice expires")
    create_inv.add_argument("--description", default="")
    _follow_args(create_inv)


def _cancel_invoice_args(cancel_inv: argparse.ArgumentParser) -> None:
    which = cancel_inv.add_mutually_exclusive_group(required=True)
    which.add_argument("--workflow-id", help="an invoice momoflow created (its workflow id)")
    which.add_argument("--reference-id", help="an invoice created elsewhere (its MoMo reference id)")
    cancel_inv.add_argument("--external-id", help="with --reference-id: the invoice's external id")
    cancel_inv.add_argument(
        "--timeout", type=float, default=None, help="with --reference-id: stop waiting after this many seconds"
    )


def _account_holder_args(holder: argparse.ArgumentParser) -> None:
    _party_args(holder, "party", "who")
    holder.add_argument("--product", default="collection", choices=PRODUCTS)
    holder.add_argument("--basic-info", action="store_true", help="also fetch the holder's names")


def _balance_args(balance: argparse.ArgumentParser) -> None:
    balance.add_argument("--product", default="collection", choices=PRODUCTS)
    balance.add_argument("--currency", default=None)


def _list_pre_approvals_args(payer_list: argparse.ArgumentParser) -> None:
    _party_args(payer_list, "payer", "whose")


def _cancel_pre_approval_args(cancel: argparse.ArgumentParser) -> None:
    cancel.add_argument("pre_approval_id")


# Per use case (by registry name): its subcommand's help line and arguments. The words of the
# subcommand come from the registry (``UseCase.cli_command``).
_USE_CASE_ARGUMENTS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    use_cases.REQUEST_TO_PAY.name: ("collect money from a customer", _request_to_pay_args),
    use_cases.TRANSFER.name: ("pay money out to a customer", _transfer_args),
    use_cases.PRE_APPROVAL.name: ("ask a customer to allow future debits", _pre_approval_args),
    use_cases.INVOICE.name: ("create an invoice and follow it", _invoice_args),
    use_cases.CANCEL_INVOICE.name: ("cancel an invoice", _cancel_invoice_args),
    use_cases.VALIDATE_ACCOUNT_HOLDER.name: ("is this party an active MoMo customer?", _account_holder_args),
    use_cases.GET_BALANCE.name: ("the available balance of an account", _balance_args),
    use_cases.LIST_PRE_APPROVALS.name: ("a payer's pre-approvals", _list_pre_approvals_args),
    use_cases.CANCEL_PRE_APPROVAL.name: ("cancel an approved pre-approval", _cancel_pre_approval_args),
    use_cases.DEPOSIT.name: ("deposit money into a customer's wallet (disbursement)", _payout_args),
    use_cases.REMITTANCE_TRANSFER.name: ("send money to a customer through the remittance product", _payout_args),
    use_cases.REFUND.name: (
        "give all or part of a SUCCESSFUL payment back; `refund show` lists its claims",
        refund_cli.add_arguments,
    ),
    use_cases.REFUND_LEDGER.name: (
        "every refund claim on a payment, and the stale ones",
        refund_cli.add_show_arguments,
    ),
    use_cases.REQUEST_TO_WITHDRAW.name: (
        "cash money out of a customer's wallet (the customer authorises it)",
        _request_to_withdraw_args,
    ),
    use_cases.DELIVERY_NOTIFICATION.name: (
        "send the payer of a SUCCESSFUL Request to Pay a note (e.g. a receipt)",
        _notify_delivery_args,
    ),
}
# Commands with one action per use case (``pre-approval create``).
_GROUP_HELP = {"pre-approval": "pre-approvals: create, list, cancel", "invoice": "invoices: create, cancel"}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m starter", description="Start, follow, find and settle MoMo operations.")
    parser.add_argument("--ui", default="http://127.0.0.1:8233", help="Temporal Web UI base URL for links")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    groups: dict[str, Any] = {}
    commands: dict[str, argparse.ArgumentParser] = {}
    for use_case in use_cases.USE_CASES:
        if use_case.kind is use_cases.Kind.SUBSCRIPTION:
            continue  # starter/subscription_cli.py adds the subscription commands
        command, *action = use_case.cli_command
        help_text, add_arguments = _USE_CASE_ARGUMENTS[use_case.name]
        if action:
            if command not in groups:
                # A command that starts a use case itself (``refund``) may also have actions (``refund show``).
                own = commands.get(command) or sub.add_parser(command, help=_GROUP_HELP[command])
                groups[command] = own.add_subparsers(
                    dest="action", required=command not in commands, parser_class=_Parser
                )
            add_arguments(groups[command].add_parser(action[0], help=help_text))
        else:
            commands[command] = sub.add_parser(command, help=help_text)
            add_arguments(commands[command])

    status = sub.add_parser("status", help="show an operation's live state; the exit code says where it stands")
    status.add_argument("workflow_id")

    resolve = sub.add_parser("resolve", help="settle an UNKNOWN operation by hand")
    resolve.add_argument("workflow_id")
    resolve.add_argument("--status", required=True, choices=["SUCCESSFUL", "FAILED"])
    resolve.add_argument("--operator", required=True, help="who decides (recorded in the workflow)")
    resolve.add_argument("--reason", required=True, help="why (recorded in the workflow)")
    resolve.add_argument("--financial-transaction-id", default=None)

    found = sub.add_parser("list", help="find payments (newest first) by use case, status, age or id")
    found.add_argument("--use-case", choices=list(listing.USE_CASES), help="only this use case")
    found.add_argument("--status", choices=listing.STATUSES, help="only payments in this status (MomoStatus)")
    found.add_argument("--since", help="started since: 30m, 2h, 7d ago or an ISO date/time (UTC)")
    found.add_argument("--external-id", help="your order or invoice id (MomoExternalId)")
    found.add_argument("--reference-id", help="MoMo's reference id (MomoReferenceId)")
    found.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")

    subscription_cli.register(sub, _party_args, _Parser)
    sub.add_parser("demo", help="run every use case against a running stack and compare with expectations")
    webhooks_cli.add_parser(sub)
    return parser


def _party(args: argparse.Namespace, role: str) -> dict[str, str]:
    return {"party_id_type": getattr(args, f"{role}_type"), "party_id": getattr(args, role)}


def _shown(party: dict[str, str]) -> str:
    return mask_msisdn(party["party_id"]) if party["party_id_type"] == "MSISDN" else "***"


def _summary(state: PaymentState) -> dict[str, Any]:
    return state.model_dump(mode="json", exclude={"history"})


async def follow(payment: PaymentHandle, timeout: float | None, out: Any = sys.stdout) -> PaymentState:
    """Print each status change (to ``out``, None for silence) until final, UNKNOWN or ``timeout``; return the last state.

    Following stops at UNKNOWN: momoflow's reconciliation may take days, and the
    operator is told how to check again instead of being kept waiting.
    """

    async def _watch() -> PaymentState:
        last: PaymentState | None = None
        async for state in payment.watch():
            last = state
            detail = f" reason={state.reason}" if state.reason else ""
            if out is not None:
                print(f"  {state.status.value:<10} reference={state.reference_id}{detail}", file=out, flush=True)
            if state.status is PaymentStatus.UNKNOWN:
                break
        assert last is not None
        return last

    try:
        return await asyncio.wait_for(_watch(), timeout) if timeout else await _watch()
    except TimeoutError:
        return await payment.status()


def _not_final_note(out: Output, state: PaymentState, context: Context) -> None:
    """Where a payment that is not final stands, and how to check it again."""
    if state.status is PaymentStatus.UNKNOWN:
        out.line(
            "UNKNOWN: MoMo has not said how it ended; momoflow keeps checking MoMo."
            f" Check again with: {context.status_command()}"
        )
    elif not state.is_final:
        out.line(f"Not final yet: {state.status.value}. Check again with: {context.status_command()}")


def _use_case_of(args: argparse.Namespace) -> use_cases.UseCase | None:
    """The use case the subcommand starts; None for the operator's commands (status, list, ...)."""
    words = (args.command, getattr(args, "action", None))
    return use_cases.BY_CLI_COMMAND.get(tuple(word for word in words if word))


def _validated(args: argparse.Namespace) -> BaseModel | None:
    """Build and check the request before connecting anywhere, so typos cost nothing."""
    use_case = _use_case_of(args)
    if use_case is use_cases.REQUEST_TO_PAY:
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
    if use_case is use_cases.REQUEST_TO_WITHDRAW:
        return parse(
            RequestToWithdrawRequest,
            {
                "amount": args.amount,
                "currency": args.currency,
                "payer": _party(args, "payer"),
                "external_id": args.external_id,
                "payer_message": args.message,
                "payee_note": args.note,
            },
        )
    if use_case is use_cases.DELIVERY_NOTIFICATION:
        return _delivery_note(args)
    if use_case is use_cases.TRANSFER:
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
    if use_case in (use_cases.DEPOSIT, use_cases.REMITTANCE_TRANSFER):
        model = DepositRequest if use_case is use_cases.DEPOSIT else RemittanceTransferRequest
        return parse(
            model,
            {
                "amount": args.amount,
                "currency": args.currency,
                "payee": _party(args, "payee"),
                "external_id": args.external_id,
                "payer_message": args.message,
                "payee_note": args.note,
            },
        )
    if use_case is use_cases.PRE_APPROVAL:
        return parse(
            PreApprovalRequest,
            {
                "payer": _party(args, "payer"),
                "currency": args.currency,
                "validity_s": args.validity,
                "payer_message": args.message,
            },
        )
    if use_case is use_cases.INVOICE:
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
    if use_case is use_cases.REFUND:
        return parse(RefundRequest, refund_cli.request_of(args))
    if use_case is use_cases.CANCEL_INVOICE and args.reference_id:
        if not args.external_id:
            raise StartError("external_id: required with --reference-id")
        return parse(CancelInvoiceRequest, {"invoice_reference_id": args.reference_id, "external_id": args.external_id})
    return None


def _delivery_note(args: argparse.Namespace) -> DeliveryNotificationInput:
    try:
        payment_id = f"{IdPrefix.REQUEST_TO_PAY}-{validate_key(args.payment_key)}"
    except ValueError as exc:
        raise StartError(f"payment_{exc}") from None  # "payment_key: ..."
    if args.note_key is not None:
        try:
            check_note_key(args.note_key)
        except ValueError as exc:
            raise StartError(str(exc)) from None
    return parse(
        DeliveryNotificationInput,
        {"payment_workflow_id": payment_id, "message": args.message, "language": args.language},
    )


def _check_before_start(args: argparse.Namespace) -> BaseModel | None:
    """Every input check, before connecting: after a start, no error may be called bad input."""
    request = _validated(args)
    if args.command == "subscription" and args.action == "create":
        subscription_cli.request_of(args, _party(args, "payer"))  # durations and times, before connecting
    currency = getattr(request, "currency", None) or getattr(args, "currency", None)
    try:
        check_sandbox_currency(currency, PaymentDefaults().target_environment)
        key = getattr(args, "key", None) or getattr(request, "external_id", None)
        if key is not None and request is not None:
            validate_key(key)  # the workflow id is made from it
        if _use_case_of(args) is use_cases.CANCEL_INVOICE and args.reference_id:
            validate_key(args.reference_id)
        if _use_case_of(args) is use_cases.REFUND_LEDGER:
            check_original_key(args.original_key)
        if args.command == "list":
            if args.limit < 1:
                raise ValueError("limit: at least 1")
            args.query = listing.build_query(
                args.use_case,
                args.status,
                listing.parse_since(args.since) if args.since else None,
                args.external_id,
                args.reference_id,
            )
    except ValueError as exc:
        raise StartError(str(exc)) from None
    return request


async def run(args: argparse.Namespace, context: Context, out: Output) -> int:
    request = _check_before_start(args)
    momoflow = await Momoflow.connect(TemporalSettings(), ui_base_url=args.ui)
    command = args.command
    handlers: dict[str, Callable[[], Awaitable[int]]] = {
        use_cases.REQUEST_TO_PAY.name: lambda: _request_to_pay(momoflow, request, args, context, out),
        use_cases.TRANSFER.name: lambda: _transfer(momoflow, request, args, context, out),
        use_cases.PRE_APPROVAL.name: lambda: _pre_approval(momoflow, request, args, context, out),
        use_cases.DEPOSIT.name: lambda: _deposit(momoflow, request, args, context, out),
        use_cases.REMITTANCE_TRANSFER.name: lambda: _remittance_transfer(momoflow, request, args, context, out),
        use_cases.LIST_PRE_APPROVALS.name: lambda: _print_result(
            out, momoflow.list_pre_approvals(_party(args, "payer"))
        ),
        use_cases.CANCEL_PRE_APPROVAL.name: lambda: _print_result(
            out, momoflow.cancel_pre_approval(args.pre_approval_id)
        ),
        use_cases.VALIDATE_ACCOUNT_HOLDER.name: lambda: _print_result(
            out,
            momoflow.validate_account_holder(_party(args, "party"), product=args.product, basic_info=args.basic_info),
        ),
        use_cases.GET_BALANCE.name: lambda: _print_result(
            out, momoflow.get_balance(product=args.product, currency=args.currency)
        ),
        use_cases.INVOICE.name: lambda: _invoice(momoflow, request, args, context, out),
        use_cases.CANCEL_INVOICE.name: lambda: _cancel_invoice(momoflow, request, args, context, out),
        use_cases.REFUND.name: lambda: _refund(momoflow, request, args, context, out),
        use_cases.REFUND_LEDGER.name: lambda: _refund_show(momoflow, args, out),
        use_cases.REQUEST_TO_WITHDRAW.name: lambda: _request_to_withdraw(momoflow, request, args, context, out),
        use_cases.DELIVERY_NOTIFICATION.name: lambda: _notify_delivery(momoflow, args, context, out),
        "status": lambda: _status(momoflow, args, context, out),
        "resolve": lambda: _resolve(momoflow, args, context, out),
        "list": lambda: _list(momoflow, args, out),
    }
    if command == "subscription":
        return await subscription_cli.run(
            momoflow, args, _party(args, "payer") if args.action == "create" else None, out
        )
    if command == "webhooks":
        return await webhooks_cli.run(momoflow.client, args, out)
    if command == "demo":
        from starter.demo import run_demo

        return await run_demo(momoflow, as_json=out.json)
    use_case = _use_case_of(args)
    return await handlers[use_case.name if use_case else command]()


async def _print_result(out: Output, call: Awaitable[Any]) -> int:
    out.result(await call)
    return EXIT_OK


async def _started(
    payment: PaymentHandle, headline: str, args: argparse.Namespace, context: Context, out: Output
) -> int:
    context.workflow_id, context.started = payment.workflow_id, True
    out.line(f"{headline}: workflow {payment.workflow_id}")
    if payment.ui_url:
        out.line(f"Watch it in the Temporal Web UI: {payment.ui_url}")
    if args.no_wait:
        if out.json:
            out.result({"workflow_id": payment.workflow_id, "ui_url": payment.ui_url})
        return EXIT_NOT_FINAL
    state = await follow(payment, args.timeout, out=None if out.json else sys.stdout)
    out.result({"workflow_id": payment.workflow_id, **_summary(state)})
    _not_final_note(out, state, context)
    return exit_code_for(state)


async def _request_to_pay(
    momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output
) -> int:
    payment = await momoflow.request_to_pay(request, key=args.key)
    headline = f"Request to Pay {args.amount} {args.currency} from {_shown(_party(args, 'payer'))}"
    return await _started(payment, headline, args, context, out)


async def _request_to_withdraw(
    momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output
) -> int:
    payment = await momoflow.request_to_withdraw(request, key=args.key)
    headline = f"Request to Withdraw {args.amount} {args.currency} from {_shown(_party(args, 'payer'))}"
    return await _started(payment, headline, args, context, out)


async def _notify_delivery(momoflow: Momoflow, args: argparse.Namespace, context: Context, out: Output) -> int:
    context.workflow_id = f"{IdPrefix.REQUEST_TO_PAY}-{args.payment_key}"
    try:
        result = await momoflow.notify_delivery(
            args.payment_key, args.message, note_key=args.note_key, language=args.language, timeout=args.timeout
        )
    except OperationFailed as exc:
        if exc.code in PAYMENT_REFUSALS:  # momoflow's refusal, not MoMo's: the payment is not one to note
            raise NotAllowed(exc.message) from None
        raise
    out.line(f"Delivery notification sent to the payer of {result.payment_workflow_id}")
    out.result(result)
    return EXIT_OK


async def _transfer(momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output) -> int:
    payment = await momoflow.transfer(request, key=args.key)
    headline = f"Transfer {args.amount} {args.currency} to {_shown(_party(args, 'payee'))}"
    return await _started(payment, headline, args, context, out)


async def _deposit(momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output) -> int:
    payment = await momoflow.deposit(request, key=args.key)
    headline = f"Deposit {args.amount} {args.currency} to {_shown(_party(args, 'payee'))}"
    return await _started(payment, headline, args, context, out)


async def _remittance_transfer(
    momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output
) -> int:
    payment = await momoflow.remittance_transfer(request, key=args.key)
    headline = f"Remittance transfer {args.amount} {args.currency} to {_shown(_party(args, 'payee'))}"
    return await _started(payment, headline, args, context, out)


async def _pre_approval(
    momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output
) -> int:
    payment = await momoflow.pre_approval(request, key=args.key)
    return await _started(payment, f"Pre-approval from {_shown(_party(args, 'payer'))}", args, context, out)


async def _invoice(momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output) -> int:
    payment = await momoflow.create_invoice(request, key=args.key)
    headline = f"Invoice {args.amount} {args.currency} for {_shown(_party(args, 'payer'))}"
    return await _started(payment, headline, args, context, out)


async def _refund(momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output) -> int:
    payment = await momoflow.refund(request, key=args.key)
    headline = f"Refund {args.amount} {args.currency} of {args.original_key}"
    return await _started(payment, headline, args, context, out)


async def _refund_show(momoflow: Momoflow, args: argparse.Namespace, out: Output) -> int:
    document, notes = await refund_cli.show(momoflow, args.original_key)
    out.result(document)
    for note in notes:
        out.line(note)
    return EXIT_OK


async def current_state(momoflow: Momoflow, workflow_id: str) -> tuple[PaymentState, bool]:
    """The operation's state and whether its workflow is still running.

    A closed workflow answers from its result (no worker needed); a running one
    from its status query, bounded so a stopped worker is named, not waited for.
    """
    handle = momoflow.handle(workflow_id).raw
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise NotFound(workflow_id) from None
        raise
    if description.status is WorkflowExecutionStatus.COMPLETED:
        return await handle.result(), False
    if description.status is not WorkflowExecutionStatus.RUNNING:
        status = description.status.name if description.status else "UNKNOWN"
        raise CliError("not_a_payment", f"workflow {workflow_id} ended {status} without a payment state", EXIT_FAILED)
    try:
        return await handle.query(STATUS_QUERY, result_type=PaymentState, rpc_timeout=QUERY_TIMEOUT), True
    except WorkflowQueryFailedError as exc:
        raise CliError("not_a_payment", f"workflow {workflow_id} has no payment status: {exc}", 2) from None
    except RPCError as exc:
        if exc.status is RPCStatusCode.DEADLINE_EXCEEDED:
            raise CliError(
                "no_worker",
                f"no worker answered for {workflow_id} within {QUERY_TIMEOUT.seconds} s: is the worker running (make run)?",
                5,
            ) from None
        raise


async def _status(momoflow: Momoflow, args: argparse.Namespace, context: Context, out: Output) -> int:
    context.workflow_id = args.workflow_id
    state, _ = await current_state(momoflow, args.workflow_id)
    out.result({"workflow_id": args.workflow_id, **_summary(state)})
    _operator_notes(out, state, args.workflow_id)
    return exit_code_for(state)


def _ended(workflow_id: str, state: PaymentState) -> str:
    reason = f" ({state.reason})" if state.reason else ""
    return f"{workflow_id} is already {state.status.value}{reason}"


async def _cancel_invoice(
    momoflow: Momoflow, request: Any, args: argparse.Namespace, context: Context, out: Output
) -> int:
    if args.workflow_id:
        context.workflow_id = args.workflow_id
        state, running = await current_state(momoflow, args.workflow_id)
        if not running:
            raise NotAllowed(f"invoice {_ended(args.workflow_id, state)}; there is nothing to cancel")
        try:
            state = await momoflow.invoice(args.workflow_id).cancel()
        except StartError as exc:
            raise NotAllowed(f"cannot cancel {args.workflow_id}: {exc}") from None
        out.result({"workflow_id": args.workflow_id, **_summary(state)})
        cancellation = state.details.get("cancellation_status")
        if cancellation == "SUCCESSFUL":
            return EXIT_OK
        reason = state.details.get("cancellation_reason")
        out.line(f"The cancellation ended {cancellation}" + (f" ({reason})" if reason else ""))
        return EXIT_FAILED if cancellation == "FAILED" else EXIT_NOT_FINAL
    payment = await momoflow.cancel_invoice(request)
    context.workflow_id, context.started = payment.workflow_id, True
    out.line(f"Cancel invoice {args.reference_id}: workflow {payment.workflow_id}")
    state = await follow(payment, args.timeout, out=None if out.json else sys.stdout)
    out.result({"workflow_id": payment.workflow_id, **_summary(state)})
    _not_final_note(out, state, context)
    return exit_code_for(state)


async def _resolve(momoflow: Momoflow, args: argparse.Namespace, context: Context, out: Output) -> int:
    """Exit 0 once the resolution is recorded, whichever status the operator chose."""
    context.workflow_id = args.workflow_id
    state, running = await current_state(momoflow, args.workflow_id)
    if not running:
        raise NotAllowed(f"payment {_ended(args.workflow_id, state)}; only an UNKNOWN payment can be resolved")
    try:
        state = await momoflow.handle(args.workflow_id).resolve(
            args.status, args.operator, args.reason, args.financial_transaction_id
        )
    except StartError as exc:
        raise NotAllowed(str(exc)) from None
    out.line(f"Resolved {args.workflow_id} as {state.status.value}, recorded as decided by {args.operator}.")
    out.result({"workflow_id": args.workflow_id, **_summary(state)})
    _operator_notes(out, state, args.workflow_id)
    return EXIT_OK


async def _list(momoflow: Momoflow, args: argparse.Namespace, out: Output) -> int:
    rows = await listing.list_payments(momoflow.client, args.query, args.limit)
    if out.json:
        out.result(rows)
    else:
        listing.print_rows(rows)
    return EXIT_OK


def _operator_notes(out: Output, state: PaymentState, workflow_id: str) -> None:
    """What a resolution means now, and what to do when MoMo contradicts it."""
    if state.resolution_check == "CHECKING":
        out.line(
            "momoflow keeps checking MoMo; if MoMo's final status differs it is flagged (MomoDiscrepancy)."
            f" Check with: python -m starter status {workflow_id}"
        )
    if state.discrepancy is not None:
        seen = state.discrepancy
        out.line(
            f"DISCREPANCY: resolved {state.status.value} by {state.resolved_by}, but MoMo reports {seen.status.value}"
            f" (reason={seen.reason}, financial_transaction_id={seen.financial_transaction_id},"
            f" seen {seen.seen_at:%Y-%m-%d %H:%M:%S}Z). Reverse or complete the business side"
            " (refund the customer or deliver) and note it in the ticket."
        )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Output(getattr(args, "json", False))
    context = Context(address="?")
    try:
        context.address = TemporalSettings().address or "the configured address"
        return asyncio.run(run(args, context, out))
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        error = explain(exc, context)
        out.error(error, context)
        return error.exit_code
