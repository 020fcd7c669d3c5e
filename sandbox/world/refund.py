"""Refunds: give money of a successful payment back to its payer, out of the disbursement account.

MTN documents test values for ``referenceIdToRefund`` ("1"…"13", one scenario each). Any
other value names a payment: the sandbox then plays what MTN's platform would check when
the refund falls due (its interpretation; MTN documents no more): the payment must exist
(else FAILED ``RESOURCE_NOT_FOUND``), be SUCCESSFUL (else FAILED ``NOT_ALLOWED``), be in the
same currency (else ``INVALID_CURRENCY``), the successful refunds of it must not add up to
more than its amount (else ``NOT_ALLOWED``), and the disbursement account must cover it.
"""

from __future__ import annotations

from decimal import Decimal

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import Invoice, OperationStatus, Refund, RefundInput, RefundV2, RequestToPay
from sandbox.world.status_bodies import format_amount
from sandbox.world.store import new_numeric_id
from sandbox.world.test_numbers import REFUND_TEST_VALUES, Scenario, Timeline, refund_scenario

log = get_logger("sandbox.payments")

NOT_SUCCESSFUL = "The transaction to refund is not successful."
OVER_REFUNDED = "The refunds of this transaction would exceed its amount."
NOT_FOUND = "The transaction to refund was not found."


def start_refund(
    life: Lifecycle, reference_id: str, api_user_id: str, request: RefundInput, callback_url: str | None, version: str
) -> Refund:
    """Store the refund (v1 or v2: they differ in the callback's method) and plan its outcome."""
    now = life.now()
    original = _original(life, request.reference_id_to_refund)
    payee = (
        original.request.party
        if isinstance(original, RequestToPay)
        else (original.request.intended_payer if isinstance(original, Invoice) else None)
    )
    kind = RefundV2 if version == "v2" else Refund
    timeline = _timeline(life, refund_scenario(request.reference_id_to_refund), now)
    refund = kind(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        refund=request,
        payee=payee,
        pending_from=timeline.pending_from,
        financial_transaction_id=new_numeric_id(),
    )
    life.store.add_operation(refund)
    plan_refund(life, refund)
    log.info(
        "refund_accepted",
        reference_id=reference_id,
        api_user_id=api_user_id,
        amount=format_amount(request.amount),
        currency=request.currency,
        reference_id_to_refund=request.reference_id_to_refund,
        version=version,
        has_callback=callback_url is not None,
    )
    return refund


def plan_refund(life: Lifecycle, refund: Refund) -> None:
    """Plan a pending refund's outcome from its creation (also after a restart)."""
    scenario = refund_scenario(refund.refund.reference_id_to_refund)
    timeline = _timeline(life, scenario, refund.created_at)
    if timeline.final_at is not None:
        life.plan(timeline.final_at, lambda at: _conclude(life, refund, scenario, at), refund)


def _timeline(life: Lifecycle, scenario: Scenario, created_at: float) -> Timeline:
    settings = life.settings
    return Timeline.plan(scenario, created_at, settings.approval_delay_s, settings.delayed_approval_s)


def _original(life: Lifecycle, reference_id: str) -> RequestToPay | Invoice | None:
    found = life.store.operation(reference_id)
    return found if isinstance(found, (RequestToPay, Invoice)) else None


def _conclude(life: Lifecycle, refund: Refund, scenario: Scenario, at: float) -> None:
    if refund.is_final:
        return
    request = refund.refund
    if scenario.outcome is OperationStatus.FAILED:
        life.finish(refund, OperationStatus.FAILED, at, scenario.reason)
        return
    if request.reference_id_to_refund in REFUND_TEST_VALUES:
        life.finish(refund, OperationStatus.SUCCESSFUL, at)
        return
    original = _original(life, request.reference_id_to_refund)
    if original is None:
        life.finish(refund, OperationStatus.FAILED, at, "RESOURCE_NOT_FOUND", NOT_FOUND)
    elif original.status is not OperationStatus.SUCCESSFUL:
        life.finish(refund, OperationStatus.FAILED, at, "NOT_ALLOWED", NOT_SUCCESSFUL)
    elif original.request.currency != request.currency:
        life.finish(refund, OperationStatus.FAILED, at, "INVALID_CURRENCY")
    elif _refunded(life, original.reference_id) + request.amount > original.request.amount:
        life.finish(refund, OperationStatus.FAILED, at, "NOT_ALLOWED", OVER_REFUNDED)
    elif life.ledger.try_debit(refund.api_user_id, "disbursement", request.amount):
        life.finish(refund, OperationStatus.SUCCESSFUL, at)
    else:
        life.finish(refund, OperationStatus.FAILED, at, "NOT_ENOUGH_FUNDS")


def _refunded(life: Lifecycle, reference_id: str) -> Decimal:
    """What the successful refunds of one payment gave back so far."""
    return sum(
        (
            op.refund.amount
            for op in life.store.operations()
            if isinstance(op, Refund)
            and op.status is OperationStatus.SUCCESSFUL
            and op.refund.reference_id_to_refund.lower() == reference_id.lower()
        ),
        Decimal(0),
    )
