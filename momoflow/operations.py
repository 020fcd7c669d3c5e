"""Each use case's request (what a merchant asks for) and workflow input.

Validation here is the single definition of "good input": the facade and the
CLI run it before anything is started, and the error names the field and rule.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from momo.models import PartyIdType
from momoflow.models import Money, Party, PaymentTiming, Product
from momoflow.validation import check_currency, check_external_id, check_text, check_uuid, parse_amount


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True)

    def fingerprint(self) -> str:
        """A digest of the request, to tell a retried start from a reused key.

        Parties are left out: a hash of a phone number is easy to reverse, and the
        digest is stored where operators can read it.
        """
        canonical = self.model_dump_json(exclude=_PARTY_FIELDS)
        return hashlib.sha256(f"{type(self).__name__}:{canonical}".encode()).hexdigest()[:32]


_PARTY_FIELDS = {"payer", "payee", "intended_payer", "party"}


def _no_number_in(external_id: str, party: Party, role: str) -> None:
    if party.party_id_type is PartyIdType.MSISDN and party.party_id in external_id:
        raise ValueError(f"external_id: must not contain the {role}'s phone number (it is visible in search)")


class _MoneyRequest(_Request):
    amount: Money
    currency: str
    external_id: str

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal:
        return parse_amount(value)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str) -> str:
        return check_external_id(value)


class _TransactionRequest(_MoneyRequest):
    """Money moving with a message for the payer and a note for the payee."""

    payer_message: str = ""
    payee_note: str = ""

    @field_validator("payer_message")
    @classmethod
    def _payer_message(cls, value: str) -> str:
        return check_text("payer_message", value)

    @field_validator("payee_note")
    @classmethod
    def _payee_note(cls, value: str) -> str:
        return check_text("payee_note", value)


class RequestToPayRequest(_TransactionRequest):
    """Collect ``amount`` ``currency`` from ``payer``, who approves on their phone."""

    payer: Party

    @model_validator(mode="after")
    def _no_phone_in_external_id(self) -> RequestToPayRequest:
        _no_number_in(self.external_id, self.payer, "payer")
        return self


class TransferRequest(_TransactionRequest):
    """Pay ``amount`` ``currency`` out to ``payee``, optionally after checking payee and balance."""

    payee: Party
    # Pre-checks run before any money moves; a failed check ends the transfer FAILED.
    check_payee: bool = False
    check_balance: bool = False

    @model_validator(mode="after")
    def _no_phone_in_external_id(self) -> TransferRequest:
        _no_number_in(self.external_id, self.payee, "payee")
        return self


class PreApprovalRequest(_Request):
    """Ask ``payer`` to allow future debits without approving each one."""

    payer: Party
    currency: str
    payer_message: str = ""
    validity_s: int = Field(gt=0, le=10 * 365 * 24 * 3600)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("payer_message")
    @classmethod
    def _payer_message(cls, value: str) -> str:
        return check_text("payer_message", value)


class InvoiceRequest(_MoneyRequest):
    """An invoice ``intended_payer`` can pay through any channel until it expires."""

    intended_payer: Party
    payee: Party
    validity_s: int = Field(gt=0, le=365 * 24 * 3600)
    description: str = ""

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return check_text("description", value)

    @model_validator(mode="after")
    def _no_phone_in_external_id(self) -> InvoiceRequest:
        _no_number_in(self.external_id, self.intended_payer, "intended payer")
        return self


class CancelInvoiceRequest(_Request):
    """Cancel an invoice known only by its MoMo reference id (e.g. created by another system)."""

    invoice_reference_id: str
    external_id: str

    @field_validator("invoice_reference_id")
    @classmethod
    def _reference(cls, value: str) -> str:
        return check_uuid(value, "invoice_reference_id")

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str) -> str:
        return check_external_id(value)


class AccountHolderQuery(_Request):
    product: Product = Product.COLLECTION
    party: Party
    basic_info: bool = False


class BalanceQuery(_Request):
    product: Product = Product.COLLECTION
    currency: str | None = None

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return None if value is None else check_currency(value)


class PreApprovalListQuery(_Request):
    party: Party


class CancelPreApprovalRequest(_Request):
    pre_approval_id: str

    @field_validator("pre_approval_id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_uuid(value, "pre_approval_id")


# -- workflow inputs: a request plus how to run it -------------------------------------------


class _PatternInput(BaseModel):
    timing: PaymentTiming = PaymentTiming()
    # Ignored: the worker derives the status-check queue (``contract.status_task_queue``). Kept
    # only so that inputs of payments started before that still decode and replay.
    status_task_queue: str | None = Field(default=None, exclude=True)


class RequestToPayInput(_PatternInput):
    request: RequestToPayRequest


class TransferInput(_PatternInput):
    request: TransferRequest


class PreApprovalInput(_PatternInput):
    request: PreApprovalRequest


class InvoiceInput(_PatternInput):
    request: InvoiceRequest


class CancelInvoiceInput(_PatternInput):
    request: CancelInvoiceRequest
