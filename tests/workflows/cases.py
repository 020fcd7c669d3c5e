"""One input per asynchronous workflow, for tests that run the same checks on all of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel

from momoflow import contract
from momoflow.contract import Steps
from momoflow.models import PaymentTiming
from momoflow.operations import (
    CancelInvoiceInput,
    CancelInvoiceRequest,
    InvoiceInput,
    InvoiceRequest,
    PreApprovalInput,
    PreApprovalRequest,
    RequestToPayInput,
    RequestToPayRequest,
    TransferInput,
    TransferRequest,
)
from workflows.cancel_invoice import CancelInvoiceWorkflow
from workflows.invoice import InvoiceWorkflow
from workflows.pre_approval import PreApprovalWorkflow
from workflows.request_to_pay import RequestToPayWorkflow
from workflows.transfer import TransferWorkflow

TIMING = PaymentTiming(
    callback_timeout_s=60,
    poll_interval_s=5,
    deadline_s=300,
    reconcile_initial_interval_s=60,
    reconcile_max_interval_s=600,
    reconcile_max_age_s=3600,
)
PAYER = {"party_id_type": "MSISDN", "party_id": "46733123454"}


@dataclass(frozen=True)
class Case:
    name: str
    workflow: type
    steps: Steps
    make_input: Callable[[PaymentTiming], BaseModel]


def rtp_input(timing: PaymentTiming) -> RequestToPayInput:
    request = RequestToPayRequest(amount=Decimal("500"), currency="EUR", payer=PAYER, external_id="ORDER-1")
    return RequestToPayInput(request=request, timing=timing)


def transfer_input(timing: PaymentTiming, **checks: bool) -> TransferInput:
    request = TransferRequest(amount=Decimal("250"), currency="EUR", payee=PAYER, external_id="PAYOUT-1", **checks)
    return TransferInput(request=request, timing=timing)


def pre_approval_input(timing: PaymentTiming) -> PreApprovalInput:
    return PreApprovalInput(request=PreApprovalRequest(payer=PAYER, currency="EUR", validity_s=3600), timing=timing)


def invoice_input(timing: PaymentTiming) -> InvoiceInput:
    request = InvoiceRequest(
        amount=Decimal("1200"),
        currency="EUR",
        intended_payer=PAYER,
        payee={"party_id_type": "MSISDN", "party_id": "46733000001"},
        external_id="INV-1",
        validity_s=3600,
    )
    return InvoiceInput(request=request, timing=timing)


def cancel_invoice_input(timing: PaymentTiming) -> CancelInvoiceInput:
    request = CancelInvoiceRequest(invoice_reference_id="0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f", external_id="INV-9")
    return CancelInvoiceInput(request=request, timing=timing)


CASES = [
    Case("request_to_pay", RequestToPayWorkflow, contract.REQUEST_TO_PAY, rtp_input),
    Case("transfer", TransferWorkflow, contract.TRANSFER, transfer_input),
    Case("pre_approval", PreApprovalWorkflow, contract.PRE_APPROVAL, pre_approval_input),
    Case("invoice", InvoiceWorkflow, contract.INVOICE, invoice_input),
    Case("invoice_cancellation", CancelInvoiceWorkflow, contract.INVOICE_CANCELLATION, cancel_invoice_input),
]
