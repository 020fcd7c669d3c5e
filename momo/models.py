"""Wire models: the JSON MoMo sends and receives, field for field.

Amounts are ``Decimal`` in code and decimal strings on the wire. Results are
read leniently (unknown fields ignored) because MTN adds fields without notice;
requests are built strictly.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

WireDecimal = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str)]


class PartyIdType(StrEnum):
    MSISDN = "MSISDN"
    EMAIL = "EMAIL"
    PARTY_CODE = "PARTY_CODE"


class TransactionStatus(StrEnum):
    """Statuses MoMo reports; CREATED is undocumented but the sandbox sends it."""

    CREATED = "CREATED"
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"

    @property
    def is_final(self) -> bool:
        return self in (TransactionStatus.SUCCESSFUL, TransactionStatus.FAILED)


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class Party(_Wire):
    party_id_type: PartyIdType = Field(alias="partyIdType")
    party_id: str = Field(alias="partyId")


class ErrorReason(_Wire):
    code: str | None = None
    message: str | None = None


class RequestToPay(_Wire):
    """Body of ``POST /collection/v1_0/requesttopay``."""

    amount: WireDecimal
    currency: str
    external_id: str = Field(alias="externalId")
    payer: Party
    payer_message: str = Field(default="", alias="payerMessage")
    payee_note: str = Field(default="", alias="payeeNote")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class DeliveryNotification(_Wire):
    """Body of ``POST /collection/v1_0/requesttopay/{id}/deliverynotification`` (also sent as a header)."""

    notification_message: str = Field(alias="notificationMessage")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class RequestToPayResult(_Wire):
    """``GET /collection/v1_0/requesttopay/{id}``, and the callback body.

    ``reason`` arrives as a bare string on v1 statuses in real traffic and as
    ``{code, message}`` in MTN's own specification; both are read into
    :attr:`reason_code`.
    """

    amount: Decimal | None = None
    currency: str | None = None
    external_id: str | None = Field(default=None, alias="externalId")
    payer: Party | None = None
    payer_message: str | None = Field(default=None, alias="payerMessage")
    payee_note: str | None = Field(default=None, alias="payeeNote")
    status: TransactionStatus
    reason: ErrorReason | None = None
    financial_transaction_id: str | None = Field(default=None, alias="financialTransactionId")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason_any_form(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"code": value}
        return value

    @property
    def reason_code(self) -> str | None:
        return self.reason.code if self.reason else None


class AccessToken(_Wire):
    access_token: str
    token_type: str = "access_token"
    expires_in: int = 3600


class ApiUser(_Wire):
    provider_callback_host: str = Field(alias="providerCallbackHost")
    target_environment: str | None = Field(default=None, alias="targetEnvironment")


class ApiKey(_Wire):
    api_key: str = Field(alias="apiKey")


class Transfer(_Wire):
    """Body of ``POST /disbursement/v1_0/transfer``, of both deposits and of ``POST /remittance/v1_0/transfer``."""

    amount: WireDecimal
    currency: str
    external_id: str = Field(alias="externalId")
    payee: Party
    payer_message: str = Field(default="", alias="payerMessage")
    payee_note: str = Field(default="", alias="payeeNote")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class TransferResult(RequestToPayResult):
    """``GET /disbursement/v1_0/transfer/{id}``, ``/v1_0/deposit/{id}``, ``/remittance/v1_0/transfer/{id}``.

    A transaction result with a payee; a deposit's may lack ``financialTransactionId`` even when SUCCESSFUL.
    """

    payee: Party | None = None


class Refund(_Wire):
    """Body of ``POST /disbursement/v1_0/refund`` and ``/v2_0/refund`` (the same fields).

    ``referenceIdToRefund`` is the X-Reference-Id of the payment being refunded.
    """

    amount: WireDecimal
    currency: str
    external_id: str = Field(alias="externalId")
    payer_message: str = Field(default="", alias="payerMessage")
    payee_note: str = Field(default="", alias="payeeNote")
    reference_id_to_refund: str = Field(alias="referenceIdToRefund")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class RefundResult(TransferResult):
    """``GET /disbursement/v1_0/refund/{id}``: a transfer result whose payee is the original payer."""


class PreApproval(_Wire):
    """Body of ``POST /collection/v2_0/preapproval``."""

    payer: Party
    payer_currency: str = Field(alias="payerCurrency")
    payer_message: str = Field(default="", alias="payerMessage")
    validity_time: int = Field(alias="validityTime")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class PreApprovalResult(RequestToPayResult):
    """``GET /collection/v2_0/preapproval/{id}``; MTN types the expiry as a number but sends a string."""

    payer_currency: str | None = Field(default=None, alias="payerCurrency")
    expiration_date_time: str | None = Field(default=None, alias="expirationDateTime")

    @field_validator("expiration_date_time", mode="before")
    @classmethod
    def _any_expiry(cls, value: Any) -> Any:
        return None if value is None else str(value)


class PreApprovalDetails(_Wire):
    """One entry of ``GET /collection/v1_0/preapprovals/{type}/{id}``."""

    pre_approval_id: str = Field(alias="preApprovalId")
    status: str
    from_currency: str | None = Field(default=None, alias="fromCurrency")
    created_time: str | None = Field(default=None, alias="createdTime")
    approved_time: str | None = Field(default=None, alias="approvedTime")
    expiry_time: str | None = Field(default=None, alias="expiryTime")
    message: str | None = None
    frequency: str | None = None


class CreateInvoice(_Wire):
    """Body of ``POST /collection/v2_0/invoice``; the validity is a string of seconds."""

    external_id: str = Field(alias="externalId")
    amount: WireDecimal
    currency: str
    validity_duration: str = Field(alias="validityDuration")
    intended_payer: Party = Field(alias="intendedPayer")
    payee: Party
    description: str = ""

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class InvoiceResult(_Wire):
    """``GET /collection/v2_0/invoice/{id}``: an invoice, or an invoice cancellation."""

    reference_id: str | None = Field(default=None, alias="referenceId")
    external_id: str | None = Field(default=None, alias="externalId")
    amount: Decimal | None = None
    currency: str | None = None
    status: TransactionStatus
    payment_reference: str | None = Field(default=None, alias="paymentReference")
    invoice_id: str | None = Field(default=None, alias="invoiceId")
    expiry_date_time: str | None = Field(default=None, alias="expiryDateTime")
    description: str | None = None
    error_reason: ErrorReason | None = Field(default=None, alias="errorReason")

    @field_validator("error_reason", mode="before")
    @classmethod
    def _reason_any_form(cls, value: Any) -> Any:
        return {"code": value} if isinstance(value, str) else value

    @property
    def reason_code(self) -> str | None:
        return self.error_reason.code if self.error_reason else None


class Balance(_Wire):
    available_balance: Decimal = Field(alias="availableBalance")
    currency: str


class BooleanResult(_Wire):
    result: bool


class BasicUserInfo(_Wire):
    """Names MoMo holds for an account holder; personal data, never logged."""

    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
