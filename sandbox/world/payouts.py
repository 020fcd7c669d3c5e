"""Payouts: disbursement transfers, deposits and remittance transfers, from acceptance to a final status.

A payout has no customer decision: the payee's test number decides (deposits follow MTN's
request-to-pay table, transfers the transfer table), and otherwise the partner's account on the
paying product must cover the amount when the payout falls due. The three differ only in the
account they are paid from, their test numbers, and (deposits) their callback method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from momoflow.logging import get_logger
from sandbox.settings import Product
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import Deposit, DepositV2, OperationStatus, RemittanceTransfer, TransactionInput, Transfer
from sandbox.world.status_bodies import format_amount
from sandbox.world.store import new_numeric_id
from sandbox.world.test_numbers import Scenario, Timeline, deposit_scenario, transfer_scenario

log = get_logger("sandbox.payments")

P = TypeVar("P", Transfer, RemittanceTransfer, Deposit)


@dataclass(frozen=True)
class Payout:
    """What sets one kind of payout apart."""

    name: str  # in log events: ``<name>_accepted``
    account: Product  # the product whose account pays
    scenario_of: Callable[[str, str], Scenario]


TRANSFER = Payout("transfer", "disbursement", transfer_scenario)
REMITTANCE_TRANSFER = Payout("remittance_transfer", "remittance", transfer_scenario)
DEPOSIT = Payout("deposit", "disbursement", deposit_scenario)


def start_transfer(
    life: Lifecycle, reference_id: str, api_user_id: str, request: TransactionInput, callback_url: str | None
) -> Transfer:
    return _start(life, TRANSFER, Transfer, reference_id, api_user_id, request, callback_url)


def start_remittance_transfer(
    life: Lifecycle, reference_id: str, api_user_id: str, request: TransactionInput, callback_url: str | None
) -> RemittanceTransfer:
    return _start(life, REMITTANCE_TRANSFER, RemittanceTransfer, reference_id, api_user_id, request, callback_url)


def start_deposit(
    life: Lifecycle,
    reference_id: str,
    api_user_id: str,
    request: TransactionInput,
    callback_url: str | None,
    version: int = 1,
) -> Deposit:
    """A deposit sent to v1 or v2, which differ only in their callback method."""
    kind = DepositV2 if version == 2 else Deposit
    return _start(life, DEPOSIT, kind, reference_id, api_user_id, request, callback_url, version=version)


def plan_transfer(life: Lifecycle, transfer: Transfer) -> None:
    _plan(life, TRANSFER, transfer)


def plan_remittance_transfer(life: Lifecycle, transfer: RemittanceTransfer) -> None:
    _plan(life, REMITTANCE_TRANSFER, transfer)


def plan_deposit(life: Lifecycle, deposit: Deposit) -> None:
    _plan(life, DEPOSIT, deposit)


def _start(
    life: Lifecycle,
    payout: Payout,
    kind: type[P],
    reference_id: str,
    api_user_id: str,
    request: TransactionInput,
    callback_url: str | None,
    **log_fields: Any,
) -> P:
    """Store the payout and plan its outcome; the money moves only when it falls due."""
    settings = life.settings
    now = life.now()
    scenario = payout.scenario_of(request.party.party_id_type, request.party.party_id)
    timeline = Timeline.plan(scenario, now, settings.approval_delay_s, settings.delayed_approval_s)
    operation = kind(
        reference_id=reference_id,
        api_user_id=api_user_id,
        created_at=now,
        callback_url=callback_url,
        request=request,
        pending_from=timeline.pending_from,
        financial_transaction_id=new_numeric_id(),
    )
    life.store.add_operation(operation)
    _plan(life, payout, operation)
    log.info(
        f"{payout.name}_accepted",
        reference_id=reference_id,
        api_user_id=api_user_id,
        **log_fields,
        amount=format_amount(request.amount),
        currency=request.currency,
        payee_masked=request.party.masked(),
        scenario=scenario.name,
        has_callback=callback_url is not None,
    )
    return operation


def _plan(life: Lifecycle, payout: Payout, operation: Transfer | RemittanceTransfer | Deposit) -> None:
    """Plan a pending payout's outcome from its creation (also after a restart)."""
    settings = life.settings
    scenario = payout.scenario_of(operation.request.party.party_id_type, operation.request.party.party_id)
    timeline = Timeline.plan(scenario, operation.created_at, settings.approval_delay_s, settings.delayed_approval_s)
    if timeline.final_at is not None:
        life.plan(timeline.final_at, lambda at: _conclude(life, payout, operation, scenario, at), operation)


def _conclude(
    life: Lifecycle, payout: Payout, operation: Transfer | RemittanceTransfer | Deposit, scenario: Scenario, at: float
) -> None:
    if operation.is_final:
        return
    if scenario.outcome is OperationStatus.FAILED:
        life.finish(operation, OperationStatus.FAILED, at, scenario.reason)
    elif life.ledger.try_debit(operation.api_user_id, payout.account, operation.request.amount):
        life.finish(operation, OperationStatus.SUCCESSFUL, at)
    else:
        life.finish(operation, OperationStatus.FAILED, at, "NOT_ENOUGH_FUNDS")
