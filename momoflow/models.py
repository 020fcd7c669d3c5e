"""The payment vocabulary shared by workflows, activities, the gateway and the starter.

These models cross Temporal's boundary (workflow inputs, results, queries,
signals), so they are pydantic models with explicit, validated fields. The
validation here is the single definition of "good input": the facade and the
CLI run it before anything is started.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator, model_validator

from momo.models import PartyIdType

# Signal every payment workflow accepts from the callback gateway.
PROVIDER_CALLBACK_SIGNAL = "provider_callback"
STATUS_QUERY = "status"

Money = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]

MAX_TEXT = 160
# Characters MTN rejects in payer messages and payee notes (or that break its gateway).
_FORBIDDEN_TEXT_CHARS = set("'&<>\"\\")
_MSISDN = re.compile(r"^[1-9]\d{7,14}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_PARTY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")


class PaymentStatus(StrEnum):
    """Where a payment stands, as momoflow reports it."""

    SUBMITTING = "SUBMITTING"
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"
    # The provider has not given a final answer by the payment's deadline; still being checked.
    UNKNOWN = "UNKNOWN"

    @property
    def is_final(self) -> bool:
        return self in (PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED)


class Party(BaseModel):
    """A MoMo account holder: an MSISDN (digits, country code, no ``+``), an email or a party code."""

    model_config = ConfigDict(frozen=True)

    party_id_type: PartyIdType = PartyIdType.MSISDN
    party_id: str

    @model_validator(mode="after")
    def _check_id(self) -> Party:
        value = self.party_id
        if self.party_id_type is PartyIdType.MSISDN and not _MSISDN.match(value):
            raise ValueError(
                "party_id: an MSISDN must be 8 to 15 digits with the country code and no '+' or spaces"
            )
        if self.party_id_type is PartyIdType.EMAIL and not _EMAIL.match(value):
            raise ValueError("party_id: not a valid email address")
        if self.party_id_type is PartyIdType.PARTY_CODE and not _PARTY_CODE.match(value):
            raise ValueError("party_id: a party code is 1 to 64 letters, digits, '.', '_' or '-'")
        return self

    def __repr__(self) -> str:  # never print a full number by accident
        from momoflow.masking import mask_msisdn

        return f"Party({self.party_id_type.value}, {mask_msisdn(self.party_id)})"

    __str__ = __repr__


def _check_text(field: str, value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(f"{field}: at most {MAX_TEXT} characters, got {len(value)}")
    bad = sorted({ch for ch in value if ch in _FORBIDDEN_TEXT_CHARS or ord(ch) < 32 or ord(ch) == 127})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise ValueError(f"{field}: contains characters MoMo rejects: {shown}")
    return value


def parse_amount(value: Any, *, field: str = "amount", max_amount: Decimal = Decimal("100000000")) -> Decimal:
    """A positive decimal with at most two places; floats are refused to avoid binary rounding."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{field}: give a decimal string such as '12.50', not a float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{field}: {value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise ValueError(f"{field}: must be a finite number")
    if amount <= 0:
        raise ValueError(f"{field}: must be greater than zero")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"{field}: at most 2 decimal places, got {amount}")
    if amount > max_amount:
        raise ValueError(f"{field}: must not exceed {max_amount}")
    return amount


class RequestToPayRequest(BaseModel):
    """What a merchant asks for: collect ``amount`` ``currency`` from ``payer``."""

    model_config = ConfigDict(frozen=True)

    amount: Money
    currency: str
    payer: Party
    external_id: str
    payer_message: str = ""
    payee_note: str = ""

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal:
        return parse_amount(value)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not _CURRENCY.match(value):
            raise ValueError("currency: an ISO 4217 code of three capital letters, such as EUR")
        return value

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str) -> str:
        if not _EXTERNAL_ID.match(value):
            raise ValueError("external_id: 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
        return value

    @field_validator("payer_message")
    @classmethod
    def _payer_message(cls, value: str) -> str:
        return _check_text("payer_message", value)

    @field_validator("payee_note")
    @classmethod
    def _payee_note(cls, value: str) -> str:
        return _check_text("payee_note", value)

    @model_validator(mode="after")
    def _no_phone_in_external_id(self) -> RequestToPayRequest:
        if self.payer.party_id_type is PartyIdType.MSISDN and self.payer.party_id in self.external_id:
            raise ValueError("external_id: must not contain the payer's phone number (it is visible in search)")
        return self

    def fingerprint(self) -> str:
        """A digest of the request, to tell a retried start from a reused key.

        The payer is left out: a hash of a phone number is easy to reverse, and
        the digest is stored where operators can read it.
        """
        canonical = self.model_dump_json(exclude={"payer"})
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class PaymentTiming(BaseModel):
    """How long each phase of the payment pattern may take."""

    model_config = ConfigDict(frozen=True)

    submit_timeout_s: float = Field(default=120.0, gt=0)
    callback_timeout_s: float = Field(default=60.0, gt=0)
    poll_interval_s: float = Field(default=5.0, gt=0)
    deadline_s: float = Field(default=900.0, gt=0)
    # After the deadline: checks start this far apart and double up to the maximum.
    reconcile_initial_interval_s: float = Field(default=30.0, gt=0)
    reconcile_max_interval_s: float = Field(default=3600.0, gt=0)
    reconcile_max_age_s: float = Field(default=7 * 24 * 3600.0, gt=0)


class RequestToPayInput(BaseModel):
    request: RequestToPayRequest
    timing: PaymentTiming = PaymentTiming()
    # Status checks run on their own task queue so the server can rate-limit them per credential.
    status_task_queue: str | None = None


class SubmitRequestToPay(BaseModel):
    reference_id: str
    request: RequestToPayRequest


class StatusCheck(BaseModel):
    reference_id: str


class ProviderStatus(BaseModel):
    """A status MoMo reported for one reference id, without personal data."""

    status: str
    reason: str | None = None
    financial_transaction_id: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status in ("SUCCESSFUL", "FAILED")


class ProviderCallback(BaseModel):
    """What the gateway signals: a hint that MoMo has news for this reference id."""

    reference_id: str
    status: str | None = None
    received_at: datetime | None = None


class StatusChange(BaseModel):
    status: PaymentStatus
    at: datetime
    source: str


class Resolution(BaseModel):
    """An operator's decision for a payment the provider never confirmed."""

    status: PaymentStatus
    operator: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=500)
    financial_transaction_id: str | None = None

    @field_validator("status")
    @classmethod
    def _final_only(cls, value: PaymentStatus) -> PaymentStatus:
        if not value.is_final:
            raise ValueError("status: an operator can only resolve to SUCCESSFUL or FAILED")
        return value


class PaymentState(BaseModel):
    """The live state of one payment: the ``status`` query's answer and the workflow's result."""

    product: str
    reference_id: str
    external_id: str
    amount: Money
    currency: str
    status: PaymentStatus
    reason: str | None = None
    reason_message: str | None = None
    financial_transaction_id: str | None = None
    callbacks_received: int = 0
    status_checks: int = 0
    resolved_by: str | None = None
    history: list[StatusChange] = Field(default_factory=list)

    @property
    def is_final(self) -> bool:
        return self.status.is_final


def validate_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("key: 1 to 200 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
    return value
