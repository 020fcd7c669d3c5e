"""The payment vocabulary shared by every workflow, the gateway and the starter.

These models cross Temporal's boundary (workflow inputs, results, queries,
signals, updates), so they are pydantic models with explicit, typed fields.
Business rules are not validators here (decoding must stay stable on replay):
they are ``check()`` methods built from :mod:`momoflow.validation`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from momo.models import PartyIdType
from momoflow.validation import EMAIL, MSISDN, PARTY_CODE, TIMING_BOUNDS, Problem, Problems, check_seconds

# On the wire a decimal string such as "12.50" (a JSON number is refused: it may have lost its value).
Money = Annotated[
    Decimal,
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "description": "a decimal string such as '12.50'"}),
]


class Product(StrEnum):
    """MoMo products; each has its own credentials, token and rate limit."""

    COLLECTION = "collection"
    DISBURSEMENT = "disbursement"
    REMITTANCE = "remittance"


class PaymentStatus(StrEnum):
    """Where an operation stands, as momoflow reports it."""

    SUBMITTING = "SUBMITTING"
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"
    # The provider has not given a final answer by the deadline; still being checked.
    UNKNOWN = "UNKNOWN"

    @property
    def is_final(self) -> bool:
        return self in (PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED)


class Party(BaseModel):
    """A MoMo account holder: an MSISDN (digits, country code, no ``+``), an email or a party code."""

    model_config = ConfigDict(frozen=True)

    party_id_type: PartyIdType = PartyIdType.MSISDN
    party_id: str

    def check(self) -> list[Problem]:
        """The id's format for its type (business rule, judged before a start)."""
        problems = Problems()
        problems.run(self._check_id)
        return problems.found

    def _check_id(self) -> None:
        value = self.party_id
        if self.party_id_type is PartyIdType.MSISDN and not MSISDN.match(value):
            raise ValueError("party_id: an MSISDN must be 8 to 15 digits with the country code and no '+' or spaces")
        if self.party_id_type is PartyIdType.EMAIL and not EMAIL.match(value):
            raise ValueError("party_id: not a valid email address")
        if self.party_id_type is PartyIdType.PARTY_CODE and not PARTY_CODE.match(value):
            raise ValueError("party_id: a party code is 1 to 64 letters, digits, '.', '_' or '-'")

    @property
    def path_type(self) -> str:
        """The id type as MoMo's account-holder paths spell it."""
        return self.party_id_type.value.lower()

    def __repr__(self) -> str:  # never print a full number by accident
        from momoflow.masking import mask_msisdn

        return f"Party({self.party_id_type.value}, {mask_msisdn(self.party_id)})"

    __str__ = __repr__


class PaymentTiming(BaseModel):
    """How long each phase of the payment pattern takes: the timing a workflow runs with.

    The worker decides it at the start (its defaults, then the caller's bounded
    overrides); runs started before that took it from their input as it was.
    """

    model_config = ConfigDict(frozen=True)

    submit_timeout_s: float = 120.0
    callback_timeout_s: float = 60.0
    poll_interval_s: float = 5.0
    deadline_s: float = 900.0
    # After the deadline: checks start this far apart and double up to the maximum.
    reconcile_initial_interval_s: float = 30.0
    reconcile_max_interval_s: float = 3600.0
    reconcile_max_age_s: float = 7 * 24 * 3600.0


class TimingOverrides(BaseModel):
    """What a caller may ask of the timing; every field is optional and bounded (``TIMING_BOUNDS``).

    Omitted fields take the worker's defaults. Out-of-bounds values refuse the start.
    """

    model_config = ConfigDict(frozen=True)

    submit_timeout_s: float | None = None
    callback_timeout_s: float | None = None
    poll_interval_s: float | None = None
    deadline_s: float | None = None
    reconcile_initial_interval_s: float | None = None
    reconcile_max_interval_s: float | None = None
    reconcile_max_age_s: float | None = None

    @classmethod
    def of(cls, timing: PaymentTiming | TimingOverrides | None) -> TimingOverrides:
        """A caller's timing as overrides: of a ``PaymentTiming``, only the fields it set."""
        if timing is None:
            return cls()
        if isinstance(timing, TimingOverrides):
            return timing
        return cls(**timing.model_dump(exclude_unset=True))

    def given(self) -> dict[str, float]:
        return self.model_dump(exclude_none=True)

    def over(self, base: PaymentTiming) -> PaymentTiming:
        return base.model_copy(update=self.given())

    def check(self, max_deadline_s: float = TIMING_BOUNDS["deadline_s"][1]) -> list[Problem]:
        problems = Problems()
        for field, value in self.given().items():
            bounds = TIMING_BOUNDS[field]
            if field == "deadline_s":
                bounds = (bounds[0], max_deadline_s)
            problems.run(check_seconds, field, value, bounds)
        low, high = self.reconcile_initial_interval_s, self.reconcile_max_interval_s
        if low is not None and high is not None and high < low:
            problems.add("reconcile_max_interval_s: must not be shorter than reconcile_initial_interval_s")
        return problems.found


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
    """An operator's decision for an operation the provider never confirmed."""

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


class ResolutionCheck(StrEnum):
    """What MoMo said about an operation after an operator resolved it."""

    # Still asking MoMo, on the reconciliation schedule.
    CHECKING = "CHECKING"
    # MoMo's final status is the operator's.
    CONFIRMED = "CONFIRMED"
    # MoMo's final status differs from the operator's: someone must act (see ``discrepancy``).
    CONTRADICTED = "CONTRADICTED"
    # MoMo gave no final status before the reconciliation's maximum age.
    NO_ANSWER = "NO_ANSWER"


class ProviderAnswer(BaseModel):
    """A final status MoMo reported, and when the workflow saw it."""

    status: PaymentStatus
    reason: str | None = None
    financial_transaction_id: str | None = None
    seen_at: datetime


class PaymentState(BaseModel):
    """The live state of one asynchronous operation: the ``status`` query's answer and the result.

    ``details`` holds what the provider adds for some operations: an invoice's
    payment reference and expiry, a pre-approval's expiry, a cancellation's outcome.
    """

    operation: str
    product: Product
    reference_id: str
    external_id: str | None = None
    amount: Money | None = None
    currency: str | None = None
    status: PaymentStatus
    reason: str | None = None
    reason_message: str | None = None
    financial_transaction_id: str | None = None
    details: dict[str, str] = Field(default_factory=dict)
    callbacks_received: int = 0
    status_checks: int = 0
    resolved_by: str | None = None
    history: list[StatusChange] = Field(default_factory=list)
    # True when the starter read this from the Temporal server because no worker answered.
    read_from_server: bool = False
    # After an operator's resolution: whether MoMo later agreed, and what it said.
    resolution_check: ResolutionCheck | None = None
    provider_answer: ProviderAnswer | None = None
    # MoMo's final answer when it contradicts the operator's resolution (``status`` stays the operator's).
    discrepancy: ProviderAnswer | None = None

    @property
    def is_final(self) -> bool:
        return self.status.is_final
