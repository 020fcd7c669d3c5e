"""``python -m starter refund`` and ``refund show``: give money back, and see every claim on a payment.

``refund show`` also names the claims that hold money no refund will send: a ``HELD``
claim whose refund workflow has ended FAILED (or was terminated). That is the one leak the
ledger cannot rule out on its own (see the README, "Refunds"); the line says how to release it.
"""

from __future__ import annotations

import argparse
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from momoflow.contract import RELEASE_SIGNAL, refund_ledger_id
from momoflow.models import PaymentState, PaymentStatus
from momoflow.refunds import LedgerState, ReservationState
from starter.facade import Momoflow, StartError

REQUIRED = {"original_key": "--original-key", "amount": "--amount", "currency": "--currency", "key": "--key"}


def add_arguments(refund: argparse.ArgumentParser) -> None:
    """``refund`` takes the refund's options; ``refund show <payment key>`` is its one action."""
    refund.add_argument("--original-key", help="the refunded payment's workflow id (rtp-ORDER-1, invoice-INV-7)")
    refund.add_argument("--amount", help="decimal amount to give back (all or part of the payment)")
    refund.add_argument("--currency", help="the payment's currency")
    refund.add_argument("--external-id", default=None, help="your refund id (default: the refund key)")
    refund.add_argument("--message", default="", help="payer message (max 160 characters)")
    refund.add_argument("--note", default="", help="payee note (max 160 characters)")
    refund.add_argument("--key", default=None, help="your refund key, one per refund (a repeat attaches to the first)")
    refund.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")
    refund.add_argument("--no-wait", action="store_true", help="start and print the workflow id only")


def add_show_arguments(show: argparse.ArgumentParser) -> None:
    show.add_argument("original_key", help="the refunded payment's workflow id")


def request_of(args: argparse.Namespace) -> dict[str, Any]:
    """The refund request; a missing option is named before anything is started."""
    missing = [flag for name, flag in REQUIRED.items() if getattr(args, name, None) in (None, "")]
    if missing:
        raise StartError(f"{', '.join(missing)}: required to refund")
    return {
        "original_key": args.original_key,
        "amount": args.amount,
        "currency": args.currency,
        "external_id": args.external_id or args.key,
        "payer_message": args.message,
        "payee_note": args.note,
    }


async def stale_claims(momoflow: Momoflow, ledger: LedgerState) -> dict[str, str]:
    """Refund key → why a HELD claim holds money no refund will send (its refund ended without paying)."""
    stale = {}
    for refund_key, claim in ledger.reservations.items():
        if claim.state is not ReservationState.HELD:
            continue
        handle = momoflow.client.get_workflow_handle(refund_key, result_type=PaymentState)
        try:
            description = await handle.describe()
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                stale[refund_key] = "its refund workflow does not exist"
            continue
        if description.status is WorkflowExecutionStatus.COMPLETED:
            state = await handle.result()
            if state.status is PaymentStatus.FAILED:
                stale[refund_key] = f"its refund ended FAILED ({state.reason})"
        elif description.status is not WorkflowExecutionStatus.RUNNING:
            stale[refund_key] = (
                f"its refund workflow ended {description.status.name if description.status else 'UNKNOWN'}"
            )
    return stale


def release_command(original_key: str, refund_key: str) -> str:
    """The operator's step for a stale claim (Temporal CLI; add --codec-endpoint when payloads are encrypted)."""
    return (
        f"temporal workflow signal --workflow-id {refund_ledger_id(original_key)} --name {RELEASE_SIGNAL}"
        f" --input '\"{refund_key}\"'"
    )


async def show(momoflow: Momoflow, original_key: str) -> tuple[dict[str, Any], list[str]]:
    """The ledger as a JSON document, with the lines an operator must act on."""
    ledger = await momoflow.refund_ledger(original_key)
    stale = await stale_claims(momoflow, ledger)
    claims = [
        {"refund_key": key, "amount": format(claim.amount, "f"), "state": claim.state.value, "stale": stale.get(key)}
        for key, claim in ledger.reservations.items()
    ]
    original = ledger.original
    document = {
        "original_key": original_key,
        "payment": original.model_dump(mode="json") if original else None,
        "counted": format(ledger.counted(), "f"),
        "refunded": format(ledger.refunded(), "f"),
        "remaining": format(original.amount - ledger.counted(), "f")
        if original and original.amount is not None
        else None,
        "claims": claims,
    }
    notes = [
        f"STALE claim {key}: {why}; it holds {ledger.reservations[key].amount} that no refund will send."
        f" After checking MoMo has no refund for it, release it with: {release_command(original_key, key)}"
        for key, why in stale.items()
    ]
    return document, notes
