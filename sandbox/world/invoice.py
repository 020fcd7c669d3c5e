"""Invoices and their cancellations.

An invoice is open (PENDING) from creation until the intended payer pays it,
it expires (creation + validityDuration) or a cancellation takes effect,
whichever comes first; each of those ends it with its own callback. A
cancellation is a separate operation under its own reference id: after
``cancel_delay_s`` it succeeds if the invoice was still open, and fails with
NOT_ALLOWED if not.
"""

from __future__ import annotations

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import Invoice, InvoiceCancellation, InvoiceInput, OperationStatus
from sandbox.world.status_bodies import format_amount
from sandbox.world.store import new_numeric_id
from sandbox.world.test_numbers import invoice_payer_pays

log = get_logger("sandbox.invoices")

EXPIRED_MESSAGE = "The invoice expired before it was paid."
CANCELLED_MESSAGE = "The invoice was cancelled."
NOT_OPEN_MESSAGE = "Invoice is not open."


def start_invoice(
    life: Lifecycle, reference_id: str, api_user_id: str, request: InvoiceInput, callback_url: str | None
) -> Invoice:
    now = life.now()
    invoice = Invoice(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        request=request,
        payment_reference=life.store.new_payment_reference(),
        invoice_id=new_numeric_id(),
    )
    life.store.add_operation(invoice)
    pays = plan_invoice(life, invoice)
    payer = request.intended_payer
    log.info(
        "invoice_accepted",
        reference_id=reference_id,
        api_user_id=api_user_id,
        amount=format_amount(request.amount),
        currency=request.currency,
        validity_s=request.validity_s,
        payer_masked=payer.masked(),
        payer_pays_by_itself=pays,
        has_callback=callback_url is not None,
    )
    return invoice


def plan_invoice(life: Lifecycle, invoice: Invoice) -> bool:
    """Plan an open invoice's expiry (and payment, if its payer pays by itself), also after a restart."""
    settings = life.settings
    life.plan(invoice.expires_at, lambda at: _expire(life, invoice, at), invoice)
    payer = invoice.request.intended_payer
    pays = settings.auto_decide and invoice_payer_pays(payer.party_id_type, payer.party_id)
    if pays:
        life.plan(invoice.created_at + settings.approval_delay_s, lambda at: _pay_by_itself(life, invoice, at), invoice)
    return pays


def pay_invoice(life: Lifecycle, invoice: Invoice, at: float | None = None) -> None:
    """The intended payer pays; the caller checked the invoice is open."""
    life.ledger.credit(invoice.api_user_id, "collection", invoice.request.amount)
    life.finish(invoice, OperationStatus.SUCCESSFUL, life.now() if at is None else at)


def _pay_by_itself(life: Lifecycle, invoice: Invoice, at: float) -> None:
    if not invoice.is_final and at < invoice.expires_at:
        pay_invoice(life, invoice, at)


def _expire(life: Lifecycle, invoice: Invoice, at: float) -> None:
    if not invoice.is_final:
        life.finish(invoice, OperationStatus.FAILED, at, "EXPIRED", EXPIRED_MESSAGE)


def start_cancellation(
    life: Lifecycle,
    reference_id: str,
    api_user_id: str,
    invoice: Invoice,
    external_id: str,
    callback_url: str | None,
) -> InvoiceCancellation:
    now = life.now()
    cancellation = InvoiceCancellation(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        invoice_reference_id=invoice.reference_id,
        external_id=external_id,
    )
    life.store.add_operation(cancellation)
    plan_cancellation(life, cancellation, invoice)
    log.info(
        "invoice_cancellation_accepted",
        reference_id=reference_id,
        invoice_reference_id=invoice.reference_id,
        api_user_id=api_user_id,
        has_callback=callback_url is not None,
    )
    return cancellation


def plan_cancellation(life: Lifecycle, cancellation: InvoiceCancellation, invoice: Invoice) -> None:
    """Plan a pending cancellation from its creation (also after a restart)."""
    due = cancellation.created_at + life.settings.cancel_delay_s
    life.plan(due, lambda at: _carry_out(life, cancellation, invoice, at), cancellation, invoice)


def _carry_out(life: Lifecycle, cancellation: InvoiceCancellation, invoice: Invoice, at: float) -> None:
    if invoice.is_final:
        life.finish(cancellation, OperationStatus.FAILED, at, "NOT_ALLOWED", NOT_OPEN_MESSAGE)
        return
    life.finish(invoice, OperationStatus.FAILED, at, "TRANSACTION_CANCELED", CANCELLED_MESSAGE)
    life.finish(cancellation, OperationStatus.SUCCESSFUL, at)
