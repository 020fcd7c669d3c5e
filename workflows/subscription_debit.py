"""One period of a subscription: check the mandate, then collect the period's amount once.

Started by the subscription's Temporal Schedule. The period comes from the time
the schedule meant to run (``TemporalScheduledStartTime``), rounded down to the
cadence, so any run for the same period (a double fire, a catch-up, a manual
trigger) starts, or attaches to, the same Request to Pay ``rtp-sub-<id>-<period>``.
The Request to Pay is an ordinary ``RequestToPay`` workflow (the payment pattern),
started by an activity with the facade's id policies.

Retry: a debit MoMo itself reported FAILED (not an operator's decision, not one MoMo
later contradicted) is retried once, ``retry_after_s`` later (a day by default), under
its own key (``...-retry1``); if that fails too the period is FAILED. A debit whose
outcome is not known is never retried, since MoMo may still take the money: it ends the
period ``UNKNOWN`` (no final status by the end of reconciliation), or ``NEEDS_REVIEW``
(resolved by an operator without MoMo's confirmation, contradicted by MoMo, or the
Request to Pay ended abnormally). The period waits as long as the Request to Pay may
run: its longest deadline plus its longest reconciliation. Each period is its own
workflow, so a retry never holds up the next period.

Stop: before each attempt the payer's mandates are listed; unless this one is
APPROVED (in the debit's currency, not past its expiry) the schedule is paused
with the reason in its note and the period ends STOPPED.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import IdPrefix, PreApprovalEntry, PreApprovalListing
    from momoflow.models import PaymentState, PaymentStatus, ResolutionCheck
    from momoflow.subscription import (
        DebitStart,
        PeriodOutcome,
        StopSubscription,
        SubscriptionDebitInput,
        SubscriptionPeriod,
        debit_key,
    )
    from momoflow.validation import TIMING_BOUNDS, required

from workflows import observability, patches
from workflows.admission import admit

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
# One retry after a failed debit: two attempts per period.
ATTEMPTS = 2
_SHORT = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=30)
)
# The Request to Pay ends within its deadline, or reconciles for up to a week: check on it
# with a back-off, as the payment pattern checks MoMo.
_AWAIT = RetryPolicy(
    initial_interval=timedelta(seconds=2), backoff_coefficient=1.5, maximum_interval=timedelta(minutes=10)
)
_AWAIT_LIMIT = timedelta(days=8)
# Patch id: retry only a debit MoMo reported FAILED; wait for the debit's whole reconciliation.
RETRY_ONLY_FAILED = "subscription-retry-only-failed"
# The longest a Request to Pay may run: its longest deadline and reconciliation, and a day to spare.
_SETTLE_LIMIT = timedelta(seconds=TIMING_BOUNDS["deadline_s"][1] + TIMING_BOUNDS["reconcile_max_age_s"][1], days=1)
_MANDATE_CHECK_LIMIT = timedelta(minutes=10)
MANDATE_CHECK_UNAVAILABLE = "MANDATE_CHECK_UNAVAILABLE"
# The metric's reason code for a STOPPED period (its note names the mandate, so it is no label).
MANDATE_NOT_APPROVED = "MANDATE_NOT_APPROVED"


def scheduled_time(inp: SubscriptionDebitInput) -> datetime:
    """When the schedule meant this run; for a start outside a schedule, ``inp.scheduled_at``."""
    at = workflow.info().typed_search_attributes.get(SCHEDULED_START)
    if at is None:
        at = inp.scheduled_at
    if at is None:
        raise ApplicationError(
            "scheduled_at: required when the debit is not started by its subscription's schedule",
            type="INVALID_REQUEST",
            non_retryable=True,
        )
    return at


@workflow.defn(name=contract.WorkflowType.SUBSCRIPTION_DEBIT)
class SubscriptionDebitWorkflow:
    @workflow.run
    async def run(self, inp: SubscriptionDebitInput | None = None) -> SubscriptionPeriod:
        inp = required(inp)
        await admit(inp.model_dump(mode="json"))
        period = inp.cadence.period_start(scheduled_time(inp))
        result = SubscriptionPeriod(
            subscription_id=inp.subscription_id, period_start=period, status=PeriodOutcome.FAILED
        )
        for attempt in range(1, ATTEMPTS + 1):
            if attempt > 1:
                workflow.logger.info(
                    "debit failed, retrying later", extra={"reason": result.reason, "after_s": inp.retry_after_s}
                )
                await workflow.sleep(timedelta(seconds=inp.retry_after_s))
            refusal = await self._mandate_refusal(inp)
            if refusal == MANDATE_CHECK_UNAVAILABLE:
                result.reason = refusal  # nothing was sent to MoMo; retried per the policy
                continue
            if refusal is not None:
                note = f"stopped: pre-approval {inp.pre_approval_id} {refusal}"
                await workflow.execute_activity(
                    contract.SUBSCRIPTION_STOP,
                    StopSubscription(subscription_id=inp.subscription_id, note=note),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=_SHORT,
                )
                workflow.logger.info("subscription stopped", extra={"reason": refusal})
                stopped = result.model_copy(update={"status": PeriodOutcome.STOPPED, "reason": note})
                return _finished(stopped, MANDATE_NOT_APPROVED)
            careful = patches.patched(RETRY_ONLY_FAILED)
            state = await self._debit(inp, period, attempt, result, careful)
            result.last_state = state
            unsure = _unsure(state) if careful else None
            if unsure is not None:
                outcome, why = unsure
                result.status, result.reason = outcome, state.reason or state.status.value
                workflow.logger.warning("debit outcome not certain; not retried", extra={"outcome": outcome})
                return _finished(result, why)
            if state.status is PaymentStatus.SUCCESSFUL:
                result.status, result.reason = PeriodOutcome.SUCCESSFUL, None
                result.financial_transaction_id = state.financial_transaction_id
                return _finished(result, "none")
            result.reason = state.reason or state.status.value
        return _finished(result, result.reason or "UNSPECIFIED")

    async def _debit(
        self, inp: SubscriptionDebitInput, period: datetime, attempt: int, result: SubscriptionPeriod, careful: bool
    ) -> PaymentState:
        """Start or attach to this attempt's Request to Pay and wait for its final state.

        ``careful`` (patched): wait as long as the Request to Pay may run, and report one that
        ended abnormally or never settled as UNKNOWN, not as a made-up FAILED.
        """
        rtp = inp.request_to_pay(period)
        workflow_id = f"{IdPrefix.REQUEST_TO_PAY}-{debit_key(inp.subscription_id, period, attempt)}"
        result.debits.append(workflow_id)
        await workflow.execute_activity(
            contract.SUBSCRIPTION_START_DEBIT,
            DebitStart(workflow_id=workflow_id, input=rtp, fingerprint=rtp.request.fingerprint()),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_SHORT,
        )
        try:
            settled: PaymentState = await workflow.execute_activity(
                contract.SUBSCRIPTION_AWAIT_DEBIT,
                workflow_id,
                result_type=PaymentState,
                start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=_SETTLE_LIMIT if careful else _AWAIT_LIMIT,
                retry_policy=_AWAIT,
            )
        except ActivityError as err:
            # The Request to Pay was terminated, or never settled in time: whether MoMo took the
            # money is not known (before the patch this was taken for FAILED, and retried).
            reason = (
                err.cause.type if isinstance(err.cause, ApplicationError) and err.cause.type else "DEBIT_NOT_SETTLED"
            )
            status = PaymentStatus.UNKNOWN if careful else PaymentStatus.FAILED
            return PaymentState(
                operation="request_to_pay", product="collection", reference_id="", status=status, reason=reason
            )
        return settled

    async def _mandate_refusal(self, inp: SubscriptionDebitInput) -> str | None:
        """Why the mandate no longer allows this debit, None when it does.

        MoMo's own list is asked each time, and only what it lists stops a subscription. If MoMo
        cannot be asked (or refuses the listing), nothing is debited and the attempt counts as
        failed (``MANDATE_CHECK_UNAVAILABLE``), so it is retried per the policy.
        """
        try:
            entries = await workflow.execute_activity(
                contract.LIST_PRE_APPROVALS,
                PreApprovalListing(party=inp.payer),
                result_type=list[PreApprovalEntry],
                start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=_MANDATE_CHECK_LIMIT,
                retry_policy=_SHORT,
            )
        except ActivityError:
            return MANDATE_CHECK_UNAVAILABLE
        entry = next((item for item in entries if item.pre_approval_id.lower() == inp.pre_approval_id), None)
        if entry is None:
            return "is not among the payer's pre-approvals"
        if entry.status != "APPROVED":
            return f"is {entry.status}"
        if entry.currency and entry.currency != inp.currency:
            return f"is for {entry.currency}, not {inp.currency}"
        return None


def _finished(result: SubscriptionPeriod, reason: str) -> SubscriptionPeriod:
    """Count the period's outcome (a metric, not a command: replays and old histories are unchanged)."""
    observability.subscription_period_finished(result.status, reason)
    return result


def _unsure(state: PaymentState) -> tuple[str, str] | None:
    """The period's outcome, and why as a code, when the debit's result is not MoMo's own final
    word; None when it is.

    Only then may a FAILED debit be retried (or a SUCCESSFUL one be counted as paid).
    """
    if state.discrepancy is not None:
        return PeriodOutcome.NEEDS_REVIEW, "DISCREPANCY"  # MoMo contradicted an operator
    if state.resolved_by is not None and state.resolution_check is not ResolutionCheck.CONFIRMED:
        # An operator decided and MoMo has not confirmed it.
        return PeriodOutcome.NEEDS_REVIEW, "RESOLUTION_UNCONFIRMED"
    if state.status is PaymentStatus.UNKNOWN:
        # Never settled; or the Request to Pay ended abnormally (terminated, failed, timed out: DEBIT_<status>).
        if state.reason in (None, "DEBIT_NOT_SETTLED"):
            return PeriodOutcome.UNKNOWN, "NO_FINAL_ANSWER"
        return PeriodOutcome.NEEDS_REVIEW, state.reason or "UNSPECIFIED"
    if state.status not in (PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED):
        return PeriodOutcome.UNKNOWN, "NO_FINAL_STATUS"
    return None
