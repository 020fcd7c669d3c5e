"""RefundLedger: the refunds of one payment, never more than its amount.

One ledger per refunded payment (workflow id ``refund-ledger-<the payment's workflow id>``),
started by the first refund's reservation (update-with-start) and never completed: it
continues as new with its state, so no later ledger can forget a refund. Temporal runs the
ledger's updates one workflow task after another; the check-and-reserve below runs under a
lock, across the one read of the payment, so two refunds can never both take the last euro,
however many processes asked at once.

The payment is read (``refund.read_original``) when the first claim arrives, and again for
later claims only while it is not final: a SUCCESSFUL or FAILED payment never changes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import LEDGER_QUERY, RELEASE_SIGNAL, RESERVE_UPDATE, SETTLE_SIGNAL, WorkflowType
    from momoflow.models import PaymentStatus
    from momoflow.refunds import (
        ORIGINAL_UNREADABLE,
        LedgerInput,
        LedgerState,
        OriginalPayment,
        RefusalReason,
        Reservation,
        ReservationState,
        ReserveRequest,
        ReserveVerdict,
    )
    from momoflow.validation import required

READ_ORIGINAL_BUDGET = timedelta(seconds=60)
READ_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=10)
)
# Continue as new past this many events (a refund costs about eight). Not the server's own
# suggestion: the test server suggests it after a few events, and the limit is ours to know.
HISTORY_LIMIT = 8_000
IDLE_WAKE = timedelta(days=1)


@workflow.defn(name=WorkflowType.REFUND_LEDGER)
class RefundLedgerWorkflow:
    @workflow.init
    def __init__(self, inp: LedgerInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        self._original_id = inp.original_workflow_id
        self._state = inp.carried or LedgerState()
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, inp: LedgerInput | None = None) -> None:
        inp = required(inp)
        # Wake once a day at most: an idle ledger is never "stuck" on a condition alone, which
        # the time-skipping test server would otherwise skip to its default run timeout.
        while not (workflow.info().get_current_history_length() > HISTORY_LIMIT and workflow.all_handlers_finished()):
            try:
                await workflow.wait_condition(
                    lambda: (
                        workflow.info().get_current_history_length() > HISTORY_LIMIT
                        and workflow.all_handlers_finished()
                    ),
                    timeout=IDLE_WAKE,
                )
            except TimeoutError:
                pass
        workflow.continue_as_new(LedgerInput(original_workflow_id=self._original_id, carried=self._state))

    @workflow.query(name=LEDGER_QUERY)
    def ledger(self) -> LedgerState:
        return self._state

    @workflow.update(name=RESERVE_UPDATE)
    async def reserve(self, claim: ReserveRequest) -> ReserveVerdict:
        async with self._lock:
            known = self._state.reservations.get(claim.refund_key)
            if known is not None:
                return self._repeated(claim, known)
            original = await self._original()
            verdict = self._judge(claim, original)
            released = self._state.reservations.get(claim.refund_key)
            if verdict.accepted and released is not None:
                # The refund gave up on this claim (a release) while the payment was being read:
                # the claim lands after the release, so it must not hold any money.
                verdict = _refused(
                    RefusalReason.KEY_REUSED,
                    f"refund key {claim.refund_key}: the refund gave its claim up before the ledger could judge it;"
                    " nothing was reserved",
                )
            elif verdict.accepted:
                self._state.reservations[claim.refund_key] = Reservation(amount=claim.amount)
                verdict.remaining = self._remaining(original)
            workflow.logger.info(
                "refund claim judged",
                extra={
                    "original_workflow_id": self._original_id,
                    "refund_key": claim.refund_key,
                    "accepted": verdict.accepted,
                    "reason": verdict.reason.value if verdict.reason else None,
                },
            )
            return verdict

    @reserve.validator
    def _validate_reserve(self, claim: ReserveRequest) -> None:
        if claim.original_workflow_id != self._original_id:
            raise ValueError(
                f"original_workflow_id: this ledger is {self._original_id!r}'s, not {claim.original_workflow_id!r}'s"
            )
        if claim.amount <= 0:
            raise ValueError(f"amount: must be greater than 0, got {claim.amount}")

    @workflow.signal(name=RELEASE_SIGNAL)
    def release(self, refund_key: str) -> None:
        """MoMo refused the refund for certain: its amount is refundable again.

        A release for a claim the ledger never saw leaves a tombstone, so a claim that was
        still on its way cannot take the amount afterwards.
        """
        known = self._state.reservations.get(refund_key)
        if known is None:
            self._state.reservations[refund_key] = Reservation(amount=Decimal(0), state=ReservationState.RELEASED)
        elif known.state is ReservationState.HELD:
            known.state = ReservationState.RELEASED

    @workflow.signal(name=SETTLE_SIGNAL)
    def settle(self, refund_key: str) -> None:
        """MoMo paid the refund: it counts for good."""
        known = self._state.reservations.get(refund_key)
        if known is not None and known.state is ReservationState.HELD:
            known.state = ReservationState.SETTLED

    # -- helpers ----------------------------------------------------------------------------

    async def _original(self) -> OriginalPayment:
        known = self._state.original
        if known is not None and known.is_settled:
            return known
        try:
            original: OriginalPayment = await workflow.execute_activity(
                contract.REFUND_READ_ORIGINAL,
                self._original_id,
                result_type=OriginalPayment,
                start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=READ_ORIGINAL_BUDGET,
                retry_policy=READ_RETRY,
            )
        except ActivityError as err:
            raise ApplicationError(
                f"the payment {self._original_id} could not be read: {err.cause or err}", type=ORIGINAL_UNREADABLE
            ) from err
        self._state.original = original
        return original

    def _remaining(self, original: OriginalPayment) -> Decimal:
        assert original.amount is not None
        return original.amount - self._state.counted()

    def _judge(self, claim: ReserveRequest, original: OriginalPayment) -> ReserveVerdict:
        name = self._original_id
        if not original.found:
            return _refused(
                RefusalReason.ORIGINAL_NOT_FOUND, f"original_key: there is no payment {name}; nothing was sent"
            )
        if original.workflow_type not in (WorkflowType.REQUEST_TO_PAY, WorkflowType.INVOICE):
            return _refused(
                RefusalReason.ORIGINAL_NOT_REFUNDABLE,
                f"original_key: {name} is a {original.workflow_type}, not a Request to Pay or an invoice payment",
            )
        if original.status != PaymentStatus.SUCCESSFUL.value:
            return _refused(
                RefusalReason.ORIGINAL_NOT_SUCCESSFUL,
                f"original_key: the payment {name} is {original.status}; only a SUCCESSFUL payment can be refunded."
                " Nothing was sent",
            )
        assert original.amount is not None
        if claim.currency != original.currency:
            return _refused(
                RefusalReason.CURRENCY_MISMATCH,
                f"currency: the payment {name} was made in {original.currency}, the refund asks for {claim.currency}",
            )
        remaining = self._remaining(original)
        if claim.amount > remaining:
            return _refused(
                RefusalReason.EXCEEDS_REFUNDABLE,
                f"amount: {claim.amount} {claim.currency} exceeds what remains refundable of the payment {name}:"
                f" {remaining} of {original.amount} {original.currency}",
                remaining,
            )
        return ReserveVerdict(accepted=True, original_reference_id=original.reference_id)

    def _repeated(self, claim: ReserveRequest, known: Reservation) -> ReserveVerdict:
        """The same refund asking again (a retried activity): the first answer stands."""
        original = self._state.original
        if known.state is ReservationState.RELEASED or known.amount != claim.amount or original is None:
            return _refused(
                RefusalReason.KEY_REUSED,
                f"refund key {claim.refund_key}: already used for a refund of {known.amount} that is {known.state.value}",
            )
        return ReserveVerdict(
            accepted=True, remaining=self._remaining(original), original_reference_id=original.reference_id
        )


def _refused(reason: RefusalReason, message: str, remaining: Decimal | None = None) -> ReserveVerdict:
    return ReserveVerdict(accepted=False, reason=reason, message=message, remaining=remaining)
