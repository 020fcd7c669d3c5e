"""Request-to-pay: from acceptance to SUCCESSFUL or FAILED.

A request-to-pay waits for its payer: a test number's scripted answer, an
ordinary payer's approval after ``approval_delay_s`` (unless ``auto_decide``
is off, when only the customer side decides and silence times out), or no
wait at all when the payer has an active pre-approval for this partner.
A SUCCESSFUL request-to-pay credits the partner's collection account.
"""

from __future__ import annotations

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import OperationStatus, RequestToPay, TransactionInput
from sandbox.world.pre_approval import active_pre_approval
from sandbox.world.status_bodies import format_amount
from sandbox.world.store import new_numeric_id
from sandbox.world.test_numbers import SUCCESS, Timeline, request_to_pay_scenario

log = get_logger("sandbox.payments")

REJECTED = "APPROVAL_REJECTED"
TIMED_OUT = "COULD_NOT_PERFORM_TRANSACTION"


def start_request_to_pay(
    life: Lifecycle,
    reference_id: str,
    api_user_id: str,
    request: TransactionInput,
    callback_url: str | None,
    kind: type[RequestToPay] = RequestToPay,
) -> RequestToPay:
    """Store the payment (or a withdrawal, which ``kind`` names) and plan its outcome."""
    settings = life.settings
    now = life.now()
    scenario = request_to_pay_scenario(request.party.party_id_type, request.party.party_id)
    timeline = Timeline.plan(scenario, now, settings.approval_delay_s, settings.delayed_approval_s)
    payment = kind(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        request=request,
        pending_from=timeline.pending_from,
        financial_transaction_id=new_numeric_id(),
    )
    life.store.add_operation(payment)
    # A pre-approval lets the partner debit without asking; MTN says nothing of withdrawals.
    if (
        kind is RequestToPay
        and scenario is SUCCESS
        and active_pre_approval(life.store, api_user_id, request.party, now) is not None
    ):
        plan = "PreApproved"  # "the partner can debit the customer account without authorization"
        _conclude_payment(life, payment, True, now)
    else:
        plan = plan_request_to_pay(life, payment)
    log.info(
        "request_to_pay_accepted",
        kind=kind.kind,
        reference_id=reference_id,
        api_user_id=api_user_id,
        amount=format_amount(request.amount),
        currency=request.currency,
        payer_masked=request.party.masked(),
        scenario=plan,
        has_callback=callback_url is not None,
    )
    return payment


def plan_request_to_pay(life: Lifecycle, payment: RequestToPay) -> str:
    """Plan a pending payment's outcome from its creation (also after a restart); returns the plan's name."""
    settings = life.settings
    party = payment.request.party
    scenario = request_to_pay_scenario(party.party_id_type, party.party_id)
    if scenario is SUCCESS and not settings.auto_decide:
        life.plan(payment.created_at + settings.approval_timeout_s, lambda at: _time_out(life, payment, at), payment)
        return "WaitsForCustomer"
    timeline = Timeline.plan(scenario, payment.created_at, settings.approval_delay_s, settings.delayed_approval_s)
    if timeline.final_at is not None:
        approve = scenario.outcome is OperationStatus.SUCCESSFUL
        life.plan(timeline.final_at, lambda at: _conclude_payment(life, payment, approve, at, scenario.reason), payment)
    return scenario.name


def decide_request_to_pay(life: Lifecycle, payment: RequestToPay, approve: bool) -> None:
    """The payer's own answer from the customer side; the caller checked it is still pending."""
    _conclude_payment(life, payment, approve, life.now(), REJECTED)


def _conclude_payment(
    life: Lifecycle, payment: RequestToPay, approve: bool, at: float, reason: str | None = REJECTED
) -> None:
    if payment.is_final:  # the customer answered first
        return
    if approve:
        life.ledger.credit(payment.api_user_id, "collection", payment.request.amount)
        life.finish(payment, OperationStatus.SUCCESSFUL, at)
    else:
        life.finish(payment, OperationStatus.FAILED, at, reason)


def _time_out(life: Lifecycle, payment: RequestToPay, at: float) -> None:
    if not payment.is_final:
        life.finish(payment, OperationStatus.FAILED, at, TIMED_OUT)
