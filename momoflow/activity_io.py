"""What activities take and return: reference ids, requests, and MoMo's answers without personal data."""

from __future__ import annotations

from pydantic import BaseModel, Field

from momoflow.models import Money, Party
from momoflow.operations import InvoiceRequest, PreApprovalRequest, RequestToPayRequest, TransferRequest


class SubmitRequestToPay(BaseModel):
    reference_id: str
    request: RequestToPayRequest


class SubmitTransfer(BaseModel):
    reference_id: str
    request: TransferRequest


class SubmitPreApproval(BaseModel):
    reference_id: str
    request: PreApprovalRequest


class SubmitInvoice(BaseModel):
    reference_id: str
    request: InvoiceRequest


class SubmitInvoiceCancellation(BaseModel):
    reference_id: str  # the cancellation's own reference id
    invoice_reference_id: str
    external_id: str


class StatusCheck(BaseModel):
    reference_id: str


class ProviderStatus(BaseModel):
    """A status MoMo reported for one reference id, without personal data."""

    status: str
    reason: str | None = None
    financial_transaction_id: str | None = None
    details: dict[str, str] = Field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status in ("SUCCESSFUL", "FAILED")


class AccountHolderCheck(BaseModel):
    party: Party
    basic_info: bool = False


class AccountHolder(BaseModel):
    """Whether MoMo knows the party and whether it can receive money; names only if asked for."""

    found: bool
    active: bool
    given_name: str | None = None
    family_name: str | None = None


class BalanceCheck(BaseModel):
    currency: str | None = None


class AccountBalance(BaseModel):
    available_balance: Money
    currency: str


class PreApprovalEntry(BaseModel):
    pre_approval_id: str
    status: str
    currency: str | None = None
    created_time: str | None = None
    approved_time: str | None = None
    expiry_time: str | None = None
    message: str | None = None


class PreApprovalListing(BaseModel):
    party: Party


class PreApprovalCancellation(BaseModel):
    pre_approval_id: str
