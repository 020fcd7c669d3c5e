"""Recurring collections on a pre-approval: what a subscription is and how its periods are named.

A subscription is a Temporal Schedule (the server owns the timetable) whose
action starts one ``SubscriptionDebit`` workflow per period. The period is
computed from the time the schedule meant to run (never from the clock of the
run), rounded down to the cadence's boundary, so a schedule that fires twice,
a catch-up after downtime or a manual trigger all name the same period and so
the same Request to Pay key: one debit per period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator

from momo.models import PartyIdType
from momoflow.models import Money, Party, PaymentState, TimingOverrides
from momoflow.operations import RequestToPayInput, RequestToPayRequest, _party, _Request, _WorkflowInput
from momoflow.validation import (
    DAY_S,
    Problem,
    Problems,
    check_currency,
    check_text,
    check_uuid,
    parse_amount,
    validate_key,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The subscription id goes into Request to Pay external ids, which MoMo limits to 64 characters.
MAX_SUBSCRIPTION_ID = 40
MIN_EVERY_S = 1
MAX_CATCHUP_PERIODS = 100
MIN_CATCHUP_WINDOW_S = 10.0  # the server refuses a shorter catch-up window
MONTH_S = 31 * DAY_S


class Cadence(BaseModel):
    """Every ``every_s`` seconds (aligned to the Unix epoch plus ``offset_s``), or monthly on
    ``day_of_month`` (1 to 28, so every month has it) at ``hour``:``minute`` UTC."""

    every_s: int | None = None
    offset_s: int = 0
    day_of_month: int | None = None
    hour: int = 0
    minute: int = 0

    def check(self) -> list[Problem]:
        problems = Problems()
        if (self.every_s is None) == (self.day_of_month is None):
            problems.add("cadence: give exactly one of every_s or day_of_month")
        if self.every_s is not None:
            if self.every_s < MIN_EVERY_S:
                problems.add(f"cadence.every_s: at least {MIN_EVERY_S} second, got {self.every_s}")
            elif not 0 <= self.offset_s < self.every_s:
                problems.add("cadence.offset_s: must be at least 0 and shorter than every_s")
        if self.day_of_month is not None and not 1 <= self.day_of_month <= 28:
            problems.add(f"cadence.day_of_month: 1 to 28 (every month has it), got {self.day_of_month}")
        if not 0 <= self.hour <= 23:
            problems.add(f"cadence.hour: 0 to 23, got {self.hour}")
        if not 0 <= self.minute <= 59:
            problems.add(f"cadence.minute: 0 to 59, got {self.minute}")
        return problems.found

    @property
    def period_s(self) -> float:
        """The longest a period lasts (a month counts 31 days)."""
        return float(self.every_s) if self.every_s is not None else MONTH_S

    def period_start(self, at: datetime) -> datetime:
        """The start of the period that contains ``at``: the last schedule time at or before it."""
        at = at.astimezone(UTC)
        if self.every_s is not None:
            elapsed = (at - EPOCH).total_seconds() - self.offset_s
            return EPOCH + timedelta(seconds=(elapsed // self.every_s) * self.every_s + self.offset_s)
        assert self.day_of_month is not None
        year, month = at.year, at.month
        candidate = datetime(year, month, self.day_of_month, self.hour, self.minute, tzinfo=UTC)
        if candidate > at:
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
            candidate = datetime(year, month, self.day_of_month, self.hour, self.minute, tzinfo=UTC)
        return candidate


def period_label(start: datetime) -> str:
    """The period in ids: ``20250105T000000Z`` (UTC, no characters ids or external ids refuse)."""
    return start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def debit_key(subscription_id: str, period_start: datetime, attempt: int) -> str:
    """The Request to Pay key of one attempt at one period; the workflow id is ``rtp-<key>``."""
    base = f"sub-{subscription_id}-{period_label(period_start)}"
    return base if attempt == 1 else f"{base}-retry{attempt - 1}"


def debit_external_id(subscription_id: str, period_start: datetime) -> str:
    """What MoMo and the merchant see for the period (the same for its retry)."""
    return f"sub-{subscription_id}-{period_label(period_start)}"


class _Collection(BaseModel):
    """What is collected each period, and from which mandate."""

    subscription_id: str
    payer: Party
    pre_approval_id: str
    amount: Money
    currency: str
    payer_message: str = ""
    payee_note: str = ""
    cadence: Cadence
    # A failed debit is retried once this long after it failed, then the period is FAILED.
    retry_after_s: float = DAY_S

    @field_validator("pre_approval_id")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, (bool, float)):
            raise ValueError("give a decimal string such as '12.50', not a float")
        return value

    def _collection_rules(self, problems: Problems) -> None:
        problems.run(_check_subscription_id, self.subscription_id)
        _party(problems, "payer", self.payer)
        problems.run(_no_number_in_id, self.subscription_id, self.payer)
        problems.run(check_uuid, self.pre_approval_id, "pre_approval_id")
        problems.run(parse_amount, self.amount)
        problems.run(check_currency, self.currency)
        problems.run(check_text, "payer_message", self.payer_message)
        problems.run(check_text, "payee_note", self.payee_note)
        problems.extend(self.cadence.check())
        if not 1.0 <= self.retry_after_s <= 7 * DAY_S:
            problems.add(f"retry_after_s: 1 second to 7 days, got {self.retry_after_s}")


def _no_number_in_id(subscription_id: str, payer: Party) -> None:
    if payer.party_id_type is PartyIdType.MSISDN and payer.party_id in subscription_id:
        raise ValueError("subscription_id: must not contain the payer's phone number (it is visible in search)")


def _check_subscription_id(value: str) -> None:
    try:
        validate_key(value)
    except ValueError as exc:
        raise ValueError(f"subscription_id: {str(exc).partition(': ')[2]}") from None
    if len(value) > MAX_SUBSCRIPTION_ID:
        raise ValueError(f"subscription_id: at most {MAX_SUBSCRIPTION_ID} characters (it goes into MoMo's external id)")


class SubscriptionRequest(_Collection, _Request):
    """A schedule of Request to Pay debits under an APPROVED pre-approval."""

    start_at: datetime | None = None
    end_at: datetime | None = None
    # At most this many debits (scheduled periods); None: until the end date, cancel or a stop.
    count: int | None = None
    # After downtime, periods missed within this many periods are still collected; older ones are skipped.
    catchup_periods: int = 3

    def _rules(self, problems: Problems) -> None:
        self._collection_rules(problems)
        if self.count is not None and self.count < 1:
            problems.add(f"count: at least 1, got {self.count}")
        if not 0 <= self.catchup_periods <= MAX_CATCHUP_PERIODS:
            problems.add(f"catchup_periods: 0 to {MAX_CATCHUP_PERIODS}, got {self.catchup_periods}")
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            problems.add("end_at: must be after start_at")

    @property
    def catchup_window(self) -> timedelta:
        return timedelta(seconds=max(MIN_CATCHUP_WINDOW_S, self.catchup_periods * self.cadence.period_s))

    def debit_input(self, timing: TimingOverrides | None = None) -> SubscriptionDebitInput:
        fields = _Collection.model_fields.keys()
        return SubscriptionDebitInput(
            **{name: getattr(self, name) for name in fields}, timing=timing or TimingOverrides()
        )


class SubscriptionDebitInput(_Collection, _WorkflowInput):
    """One period's debit, as the schedule starts it."""

    timing: TimingOverrides = TimingOverrides()
    # Only for a start outside the schedule: the time the period is computed from.
    scheduled_at: datetime | None = None

    def check(self) -> list[Problem]:
        problems = Problems()
        self._collection_rules(problems)
        problems.extend(self.timing.check(), prefix="timing")
        return problems.found

    def request_to_pay(self, period_start: datetime) -> RequestToPayInput:
        request = RequestToPayRequest(
            amount=self.amount,
            currency=self.currency,
            external_id=debit_external_id(self.subscription_id, period_start),
            payer=self.payer,
            payer_message=self.payer_message,
            payee_note=self.payee_note,
        )
        return RequestToPayInput(request=request, timing=self.timing)


class PeriodOutcome:
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"  # every attempt failed; the next period is unaffected
    STOPPED = "STOPPED"  # the mandate is no longer valid: the subscription was paused with the reason
    # The debit's outcome is not known (MoMo never gave a final status): not retried, since it may yet be paid.
    UNKNOWN = "UNKNOWN"
    # An operator's decision, a contradiction by MoMo, or a debit that ended abnormally: someone must look.
    NEEDS_REVIEW = "NEEDS_REVIEW"


class SubscriptionPeriod(BaseModel):
    """What one period's debit came to: the result of ``SubscriptionDebit``."""

    subscription_id: str
    period_start: datetime
    status: str
    reason: str | None = None
    debits: list[str] = Field(default_factory=list)  # Request to Pay workflow ids, one per attempt
    financial_transaction_id: str | None = None
    last_state: PaymentState | None = None


class DebitStart(BaseModel):
    """Start (or attach to) one Request to Pay with the facade's id policies."""

    workflow_id: str
    input: RequestToPayInput
    fingerprint: str


class StopSubscription(BaseModel):
    """Pause a subscription's schedule, recording why in its note."""

    subscription_id: str
    note: str
