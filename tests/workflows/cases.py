"""One input per payment use case (momoflow/use_cases.py), for tests that run the same checks on all of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel

from momoflow import use_cases
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
    RequestToWithdrawInput,
    RequestToWithdrawRequest,
    TransferInput,
    TransferRequest,
)
from momoflow.payouts import DepositInput, DepositRequest, RemittanceTransferInput, RemittanceTransferRequest
from momoflow.refunds import RefundInput, RefundRequest
from workflows.registry import workflow_of

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
    use_case: use_cases.UseCase
    make_input: Callable[[PaymentTiming], BaseModel]

    @property
    def name(self) -> str:
        return self.use_case.name

    @property
    def operation(self) -> str:
        return self.use_case.operation

    @property
    def workflow(self) -> type:
        return workflow_of(self.use_case)

    @property
    def steps(self) -> Steps:
        assert self.use_case.steps is not None
        return self.use_case.steps


def rtp_input(timing: PaymentTiming) -> RequestToPayInput:
    request = RequestToPayRequest(amount=Decimal("500"), currency="EUR", payer=PAYER, external_id="ORDER-1")
    return RequestToPayInput(request=request, timing=timing)


def withdraw_input(timing: PaymentTiming) -> RequestToWithdrawInput:
    request = RequestToWithdrawRequest(amount=Decimal("40"), currency="EUR", payer=PAYER, external_id="CASHOUT-1")
    return RequestToWithdrawInput(request=request, timing=timing)


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


def deposit_input(timing: PaymentTiming) -> DepositInput:
    request = DepositRequest(amount=Decimal("75"), currency="EUR", payee=PAYER, external_id="DEPOSIT-1")
    return DepositInput(request=request, timing=timing)


def remittance_transfer_input(timing: PaymentTiming) -> RemittanceTransferInput:
    request = RemittanceTransferRequest(amount=Decimal("320"), currency="EUR", payee=PAYER, external_id="REMIT-1")
    return RemittanceTransferInput(request=request, timing=timing)


def refund_input(timing: PaymentTiming) -> RefundInput:
    request = RefundRequest(original_key="rtp-ORDER-1", amount=Decimal("200"), currency="EUR", external_id="REFUND-1")
    return RefundInput(request=request, timing=timing)


# Every payment use case needs an input here (tests/test_use_cases_registry.py checks).
INPUTS: dict[str, Callable[[PaymentTiming], BaseModel]] = {
    use_cases.REQUEST_TO_PAY.name: rtp_input,
    use_cases.TRANSFER.name: transfer_input,
    use_cases.PRE_APPROVAL.name: pre_approval_input,
    use_cases.INVOICE.name: invoice_input,
    use_cases.CANCEL_INVOICE.name: cancel_invoice_input,
    use_cases.DEPOSIT.name: deposit_input,
    use_cases.REMITTANCE_TRANSFER.name: remittance_transfer_input,
    use_cases.REFUND.name: refund_input,
    use_cases.REQUEST_TO_WITHDRAW.name: withdraw_input,
}
CASES = [Case(use_case, INPUTS[use_case.name]) for use_case in use_cases.PAYMENTS if use_case.name in INPUTS]
