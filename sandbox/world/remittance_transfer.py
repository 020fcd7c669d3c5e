"""Remittance transfer: from acceptance to SUCCESSFUL or FAILED.

The remittance product's ``/v1_0/transfer`` behaves as the disbursement one
(same body, same payee test numbers, POST callback) but is paid from the
partner's remittance account and is known only to the remittance product.
"""

from __future__ import annotations

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import OperationStatus, RemittanceTransfer, TransactionInput
from sandbox.world.status_bodies import format_amount
from sandbox.world.store import new_numeric_id
from sandbox.world.test_numbers import Scenario, Timeline, transfer_scenario

log = get_logger("sandbox.payments")


def start_remittance_transfer(
    life: Lifecycle, reference_id: str, api_user_id: str, request: TransactionInput, callback_url: str | None
) -> RemittanceTransfer:
    settings = life.settings
    now = life.now()
    scenario = transfer_scenario(request.party.party_id_type, request.party.party_id)
    timeline = Timeline.plan(scenario, now, settings.approval_delay_s, settings.delayed_approval_s)
    transfer = RemittanceTransfer(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        request=request,
        pending_from=timeline.pending_from,
        financial_transaction_id=new_numeric_id(),
    )
    life.store.add_operation(transfer)
    plan_remittance_transfer(life, transfer)
    log.info(
        "remittance_transfer_accepted",
        reference_id=reference_id,
        api_user_id=api_user_id,
        amount=format_amount(request.amount),
        currency=request.currency,
        payee_masked=request.party.masked(),
        scenario=scenario.name,
        has_callback=callback_url is not None,
    )
    return transfer


def plan_remittance_transfer(life: Lifecycle, transfer: RemittanceTransfer) -> None:
    """Plan a pending remittance transfer's outcome from its creation (also after a restart)."""
    settings = life.settings
    scenario = transfer_scenario(transfer.request.party.party_id_type, transfer.request.party.party_id)
    timeline = Timeline.plan(scenario, transfer.created_at, settings.approval_delay_s, settings.delayed_approval_s)
    if timeline.final_at is not None:
        life.plan(timeline.final_at, lambda at: _conclude(life, transfer, scenario, at), transfer)


def _conclude(life: Lifecycle, transfer: RemittanceTransfer, scenario: Scenario, at: float) -> None:
    if transfer.is_final:
        return
    if scenario.outcome is OperationStatus.FAILED:
        life.finish(transfer, OperationStatus.FAILED, at, scenario.reason)
    elif life.ledger.try_debit(transfer.api_user_id, "remittance", transfer.request.amount):
        life.finish(transfer, OperationStatus.SUCCESSFUL, at)
    else:
        life.finish(transfer, OperationStatus.FAILED, at, "NOT_ENOUGH_FUNDS")
