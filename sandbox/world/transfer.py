"""Disbursement transfer: from acceptance to SUCCESSFUL or FAILED.

A transfer has no customer decision: the payee's test number decides, and
otherwise the partner's disbursement account must cover the amount when the
transfer falls due.
"""

from __future__ import annotations

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import OperationStatus, TransactionInput, Transfer
from sandbox.world.status_bodies import format_amount
from sandbox.world.store import new_numeric_id
from sandbox.world.test_numbers import Scenario, Timeline, transfer_scenario

log = get_logger("sandbox.payments")


def start_transfer(
    life: Lifecycle, reference_id: str, api_user_id: str, request: TransactionInput, callback_url: str | None
) -> Transfer:
    """Store the transfer and plan its outcome; the money moves only when it falls due."""
    settings = life.settings
    now = life.now()
    scenario = transfer_scenario(request.party.party_id_type, request.party.party_id)
    timeline = Timeline.plan(scenario, now, settings.approval_delay_s, settings.delayed_approval_s)
    transfer = Transfer(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        request=request,
        pending_from=timeline.pending_from,
        financial_transaction_id=new_numeric_id(),
    )
    life.store.add_operation(transfer)
    plan_transfer(life, transfer)
    log.info(
        "transfer_accepted",
        reference_id=reference_id,
        api_user_id=api_user_id,
        amount=format_amount(request.amount),
        currency=request.currency,
        payee_masked=request.party.masked(),
        scenario=scenario.name,
        has_callback=callback_url is not None,
    )
    return transfer


def plan_transfer(life: Lifecycle, transfer: Transfer) -> None:
    """Plan a pending transfer's outcome from its creation (also after a restart)."""
    settings = life.settings
    scenario = transfer_scenario(transfer.request.party.party_id_type, transfer.request.party.party_id)
    timeline = Timeline.plan(scenario, transfer.created_at, settings.approval_delay_s, settings.delayed_approval_s)
    if timeline.final_at is not None:
        life.plan(timeline.final_at, lambda at: _conclude_transfer(life, transfer, scenario, at), transfer)


def _conclude_transfer(life: Lifecycle, transfer: Transfer, scenario: Scenario, at: float) -> None:
    if transfer.is_final:
        return
    if scenario.outcome is OperationStatus.FAILED:
        life.finish(transfer, OperationStatus.FAILED, at, scenario.reason)
    elif life.ledger.try_debit(transfer.api_user_id, "disbursement", transfer.request.amount):
        life.finish(transfer, OperationStatus.SUCCESSFUL, at)
    else:
        life.finish(transfer, OperationStatus.FAILED, at, "NOT_ENOUGH_FUNDS")
