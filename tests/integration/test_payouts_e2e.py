"""Deposits and remittance transfers through the real stack: dev server, sandbox, gateway and worker."""

from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal

import httpx
import pytest

from devstack import Stack
from momoflow.contract import status_task_queue
from momoflow.models import PaymentStatus
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


def _payee(number: str | None = None) -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": number or f"2567{random.randint(10_000_000, 99_999_999)}"}


def _body(amount: str, payee: dict[str, str], label: str) -> dict[str, object]:
    return {"amount": amount, "currency": "EUR", "payee": payee, "external_id": f"{label}-{uuid.uuid4().hex[:10]}"}


async def _scheduled_queues(stack: Stack, workflow_id: str) -> dict[str, set[str]]:
    """Activity name → task queues it was scheduled on, from the workflow's history."""
    history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
    queues: dict[str, set[str]] = {}
    for event in history.events:
        if event.HasField("activity_task_scheduled_event_attributes"):
            scheduled = event.activity_task_scheduled_event_attributes
            queues.setdefault(scheduled.activity_type.name, set()).add(scheduled.task_queue.name)
    return queues


async def test_deposits_end_in_the_documented_states(stack: Stack) -> None:
    momoflow = stack.momoflow()
    before = await momoflow.get_balance(product="disbursement")
    ok = await momoflow.deposit(_body("42.50", _payee(), "DEP"), timing=TIMING)
    rejected = await momoflow.deposit(_body("5", _payee("46733123451"), "DEP"), timing=TIMING)
    ok_state, rejected_state = await asyncio.gather(ok.result(), rejected.result())
    # MTN's sandbox leaves financialTransactionId out of deposit results: SUCCESSFUL without one.
    assert (ok_state.status, ok_state.financial_transaction_id) == (PaymentStatus.SUCCESSFUL, None)
    assert (ok_state.operation, ok_state.product.value) == ("deposit", "disbursement")
    assert (rejected_state.status, rejected_state.reason) == (PaymentStatus.FAILED, "APPROVAL_REJECTED")
    after = await momoflow.get_balance(product="disbursement")
    assert before.available_balance - after.available_balance == Decimal("42.50")
    queues = await _scheduled_queues(stack, ok.workflow_id)
    assert queues["disbursement.submit_deposit"] == {stack.config.task_queue}


async def test_remittance_transfers_run_on_their_own_product_and_status_queue(stack: Stack) -> None:
    momoflow = stack.momoflow()
    before = await momoflow.get_balance(product="remittance")
    ok = await momoflow.remittance_transfer(_body("120", _payee(), "REM"), timing=TIMING)
    missing = await momoflow.remittance_transfer(_body("3", _payee("46733123457"), "REM"), timing=TIMING)
    ok_state, missing_state = await asyncio.gather(ok.result(), missing.result())
    assert ok_state.status is PaymentStatus.SUCCESSFUL and ok_state.financial_transaction_id
    assert (ok_state.operation, ok_state.product.value) == ("remittance_transfer", "remittance")
    assert (missing_state.status, missing_state.reason) == (PaymentStatus.FAILED, "PAYEE_NOT_FOUND")
    after = await momoflow.get_balance(product="remittance")
    assert before.available_balance - after.available_balance == Decimal("120")

    # Every status check of a remittance transfer ran on the remittance queue, which the worker
    # serves with its own rate limit; none on disbursement's.
    remittance_queue = status_task_queue(stack.config.task_queue, "remittance")
    for workflow_id in (ok.workflow_id, missing.workflow_id):
        queues = await _scheduled_queues(stack, workflow_id)
        checks = {name: queue for name, queue in queues.items() if not name.endswith("submit_transfer")}
        assert checks and all(queue == {remittance_queue} for queue in checks.values()), checks
        assert queues["remittance.submit_transfer"] == {stack.config.task_queue}

    # The remittance product got its own token from its own API user.
    async with httpx.AsyncClient() as http:
        stats = (await http.get(f"{stack.config.sandbox_url}/sandbox/stats")).json()
    assert stats["tokens_issued"]["remittance"] >= 1
    worker_log = stack.worker.log_path.read_text() if stack.worker else ""
    assert remittance_queue in worker_log
