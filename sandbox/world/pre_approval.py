"""Pre-approvals: a customer's standing consent to be debited by one partner.

The payer answers like a request-to-pay payer (test numbers, an automatic
approval after ``approval_delay_s``, or only by hand when ``auto_decide`` is
off, expiring unanswered after ``approval_timeout_s``). Once approved the
mandate is active from then until creation + validityTime, unless the
partner cancels it; while active, that partner's requests-to-pay from this
payer succeed at once (see :mod:`sandbox.world.request_to_pay`).
"""

from __future__ import annotations

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import OperationStatus, Party, PreApproval, PreApprovalInput
from sandbox.world.store import SandboxStore
from sandbox.world.test_numbers import SUCCESS, Timeline, pre_approval_scenario

log = get_logger("sandbox.preapprovals")


def start_pre_approval(
    life: Lifecycle, reference_id: str, api_user_id: str, request: PreApprovalInput, callback_url: str | None
) -> PreApproval:
    now = life.now()
    approval = PreApproval(
        reference_id=reference_id, api_user_id=api_user_id, created_at=now, callback_url=callback_url, request=request
    )
    life.store.add_operation(approval)
    plan = plan_pre_approval(life, approval)
    log.info(
        "pre_approval_accepted",
        reference_id=reference_id,
        api_user_id=api_user_id,
        validity_s=request.validity_s,
        payer_masked=request.payer.masked(),
        scenario=plan,
        has_callback=callback_url is not None,
    )
    return approval


def plan_pre_approval(life: Lifecycle, approval: PreApproval) -> str:
    """Plan a pending pre-approval's answer from its creation (also after a restart); returns the plan's name."""
    settings = life.settings
    scenario = pre_approval_scenario(approval.request.payer.party_id_type, approval.request.payer.party_id)
    if scenario is SUCCESS and not settings.auto_decide:
        life.plan(approval.created_at + settings.approval_timeout_s, lambda at: _time_out(life, approval, at), approval)
        return "WaitsForCustomer"
    final_at = Timeline.plan(
        scenario, approval.created_at, settings.approval_delay_s, settings.delayed_approval_s
    ).final_at
    if final_at is not None:
        approve = scenario.outcome is OperationStatus.SUCCESSFUL
        life.plan(final_at, lambda at: _conclude(life, approval, approve, at, scenario.reason), approval)
    return scenario.name


def decide_pre_approval(life: Lifecycle, approval: PreApproval, approve: bool) -> None:
    """The payer's own answer from the customer side; the caller checked it is still pending."""
    _conclude(life, approval, approve, life.now(), "APPROVAL_REJECTED")


def _conclude(life: Lifecycle, approval: PreApproval, approve: bool, at: float, reason: str | None) -> None:
    if approval.is_final:  # the customer answered first
        return
    if approve:
        life.finish(approval, OperationStatus.SUCCESSFUL, at)
    else:
        life.finish(approval, OperationStatus.FAILED, at, reason)


def _time_out(life: Lifecycle, approval: PreApproval, at: float) -> None:
    if not approval.is_final:
        life.finish(approval, OperationStatus.FAILED, at, "EXPIRED")


def cancel_pre_approval(life: Lifecycle, approval: PreApproval) -> None:
    """The partner withdraws an active mandate; the caller checked it is active."""
    approval.cancelled_at = life.now()
    log.info("pre_approval_cancelled", reference_id=approval.reference_id, api_user_id=approval.api_user_id)


def active_pre_approval(store: SandboxStore, api_user_id: str, payer: Party, now: float) -> PreApproval | None:
    """An approved, unexpired, uncancelled pre-approval of ``payer`` for this partner, if any."""
    for operation in store.customer_operations(payer.party_id):
        if (
            isinstance(operation, PreApproval)
            and operation.owned_by(api_user_id)
            and operation.request.payer.same_holder(payer)
            and operation.is_active_at(now)
        ):
            return operation
    return None
