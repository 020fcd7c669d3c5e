"""Disbursement deposit: from acceptance to SUCCESSFUL or FAILED.

A deposit pays into a customer's wallet from the partner's disbursement
account, like a transfer, but the payee's test numbers follow MTN's
request-to-pay table, its result carries no ``financialTransactionId``, and
``/v2_0/deposit`` calls back with PUT where ``/v1_0/deposit`` uses POST.
"""

from __future__ import annotations

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import Deposit, DepositV2, OperationStatus, TransactionInput
from sandbox.world.status_bodies import format_amount
from sandbox.world.store import new_numeric_id
from sandbox.world.test_numbers import Scenario, Timeline, deposit_scenario

log = get_logger("sandbox.payments")


def start_deposit(
    life: Lifecycle,
    reference_id: str,
    api_user_id: str,
    request: TransactionInput,
    callback_url: str | None,
    version: int = 1,
) -> Deposit:
    """Store the deposit (v1 or v2, which differ only in their callback method) and plan its outcome."""
    settings = life.settings
    now = life.now()
    scenario = deposit_scenario(request.party.party_id_type, request.party.party_id)
    timeline = Timeline.plan(scenario, now, settings.approval_delay_s, settings.delayed_approval_s)
    kind = DepositV2 if version == 2 else Deposit
    deposit = kind(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        request=request,
        pending_from=timeline.pending_from,
        financial_transaction_id=new_numeric_id(),
    )
    life.store.add_operation(deposit)
    plan_deposit(life, deposit)
    log.info(
        "deposit_accepted",
        reference_id=reference_id,
        api_user_id=api_user_id,
        version=version,
        amount=format_amount(request.amount),
        currency=request.currency,
        payee_masked=request.party.masked(),
        scenario=scenario.name,
        has_callback=callback_url is not None,
    )
    return deposit


def plan_deposit(life: Lifecycle, deposit: Deposit) -> None:
    """Plan a pending deposit's outcome from its creation (also after a restart)."""
    settings = life.settings
    scenario = deposit_scenario(deposit.request.party.party_id_type, deposit.request.party.party_id)
    timeline = Timeline.plan(scenario, deposit.created_at, settings.approval_delay_s, settings.delayed_approval_s)
    if timeline.final_at is not None:
        life.plan(timeline.final_at, lambda at: _conclude(life, deposit, scenario, at), deposit)


def _conclude(life: Lifecycle, deposit: Deposit, scenario: Scenario, at: float) -> None:
    if deposit.is_final:
        return
    if scenario.outcome is OperationStatus.FAILED:
        life.finish(deposit, OperationStatus.FAILED, at, scenario.reason)
    elif life.ledger.try_debit(deposit.api_user_id, "disbursement", deposit.request.amount):
        life.finish(deposit, OperationStatus.SUCCESSFUL, at)
    else:
        life.finish(deposit, OperationStatus.FAILED, at, "NOT_ENOUGH_FUNDS")
