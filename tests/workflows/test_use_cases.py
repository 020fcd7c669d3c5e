"""What each use case adds to the pattern: pre-checks, invoice details and cancellation, synchronous lookups."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from momoflow import contract
from momoflow.contract import (
    PROVIDER_CALLBACK_SIGNAL,
    AccountBalance,
    AccountHolder,
    AccountHolderCheck,
    BalanceCheck,
    PreApprovalCancellation,
    PreApprovalEntry,
    PreApprovalListing,
    ProviderStatus,
)
from momoflow.models import PaymentState, PaymentStatus, ProviderCallback
from momoflow.operations import AccountHolderQuery, BalanceQuery, CancelPreApprovalRequest, PreApprovalListQuery
from tests.workflows.cases import TIMING, invoice_input, pre_approval_input, transfer_input
from tests.workflows.fakes import FakeOperation, workers
from workflows.account_holder import ValidateAccountHolderWorkflow
from workflows.balance import GetBalanceWorkflow
from workflows.invoice import InvoiceWorkflow
from workflows.pre_approval import PreApprovalWorkflow
from workflows.pre_approval_admin import CancelPreApprovalWorkflow, ListPreApprovalsWorkflow
from workflows.transfer import TransferWorkflow

PENDING = ProviderStatus(status="PENDING")
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="1")


def account_fakes(
    product: str, holder: AccountHolder | ApplicationError, balance: str = "1000"
) -> tuple[list[Any], list[Any]]:
    seen: list[Any] = []

    @activity.defn(name=contract.account_holder(product))
    async def check(check: AccountHolderCheck) -> AccountHolder:
        seen.append(check)
        if isinstance(holder, ApplicationError):
            raise holder
        return holder

    @activity.defn(name=contract.balance(product))
    async def get_balance(check: BalanceCheck) -> AccountBalance:
        seen.append(check)
        return AccountBalance(available_balance=Decimal(balance), currency=check.currency or "EUR")

    return [check, get_balance], seen


# -- Transfer pre-checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("holder", "balance", "checks", "reason"),
    [
        (AccountHolder(found=True, active=False), "1000", {"check_payee": True}, "PRECHECK_PAYEE_NOT_ACTIVE"),
        (AccountHolder(found=False, active=False), "1000", {"check_payee": True}, "PRECHECK_PAYEE_NOT_FOUND"),
        (AccountHolder(found=True, active=True), "249.99", {"check_balance": True}, "PRECHECK_INSUFFICIENT_BALANCE"),
        (
            ApplicationError("HTTP 500 NOT_ALLOWED", type="NOT_ALLOWED", non_retryable=True),
            "1000",
            {"check_payee": True},
            "PRECHECK_NOT_ALLOWED",
        ),
    ],
)
async def test_failed_precheck_moves_no_money(
    time_env: WorkflowEnvironment, task_queue: str, holder: Any, balance: str, checks: dict, reason: str
) -> None:
    fake = FakeOperation(steps=contract.TRANSFER, statuses=[SUCCESS])
    extra, _ = account_fakes("disbursement", holder, balance)
    async with workers(time_env, task_queue, [TransferWorkflow], [*fake.activities(), *extra]):
        handle = await time_env.client.start_workflow(
            TransferWorkflow.run, transfer_input(TIMING, **checks), id=f"t-{uuid.uuid4()}", task_queue=task_queue
        )
        result: PaymentState = await handle.result()
    assert (result.status, result.reason) == (PaymentStatus.FAILED, reason)
    assert result.history[-1].source == "precheck"
    assert "pre-check" in (result.reason_message or "")
    assert fake.submitted == []  # nothing was sent to MoMo


async def test_passing_prechecks_then_transfer(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(steps=contract.TRANSFER, statuses=[SUCCESS])
    extra, seen = account_fakes("disbursement", AccountHolder(found=True, active=True), "250")
    async with workers(time_env, task_queue, [TransferWorkflow], [*fake.activities(), *extra]):
        handle = await time_env.client.start_workflow(
            TransferWorkflow.run,
            transfer_input(TIMING, check_payee=True, check_balance=True),
            id=f"t-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result: PaymentState = await handle.result()
    assert result.status is PaymentStatus.SUCCESSFUL
    assert len(seen) == 2 and len(fake.submitted) == 1
    assert seen[1].currency == "EUR"


# -- Pre-Approval -------------------------------------------------------------------------------


async def test_approved_pre_approval_reports_its_expiry(time_env: WorkflowEnvironment, task_queue: str) -> None:
    approved = ProviderStatus(status="SUCCESSFUL", details={"expiration_date_time": "2027-01-01T10:00:00.000"})
    fake = FakeOperation(steps=contract.PRE_APPROVAL, statuses=[PENDING, approved])
    async with workers(time_env, task_queue, [PreApprovalWorkflow], fake.activities()):
        handle = await time_env.client.start_workflow(
            PreApprovalWorkflow.run, pre_approval_input(TIMING), id=f"p-{uuid.uuid4()}", task_queue=task_queue
        )
        result: PaymentState = await handle.result()
    assert result.status is PaymentStatus.SUCCESSFUL
    assert result.details["expiration_date_time"] == "2027-01-01T10:00:00.000"
    assert result.amount is None and result.external_id is None


# -- Invoice ------------------------------------------------------------------------------------

OPEN_INVOICE = ProviderStatus(
    status="PENDING", details={"payment_reference": "1165387997", "expiry_date_time": "2026-11-28T18:00:00.000"}
)


async def _open_invoice(env: WorkflowEnvironment, queue: str) -> tuple[WorkflowHandle, PaymentState]:
    handle = await env.client.start_workflow(
        InvoiceWorkflow.run, invoice_input(TIMING), id=f"i-{uuid.uuid4()}", task_queue=queue
    )
    for _ in range(200):
        state: PaymentState = await handle.query("status", result_type=PaymentState)
        if state.status is PaymentStatus.PENDING and state.details:
            return handle, state
        await asyncio.sleep(0.05)
    raise AssertionError("invoice never opened")


async def test_invoice_shows_payment_reference_while_open(time_env: WorkflowEnvironment, task_queue: str) -> None:
    paid = ProviderStatus(status="SUCCESSFUL", details={"payment_reference": "1165387997"})
    fake = FakeOperation(steps=contract.INVOICE, statuses=[OPEN_INVOICE, paid])
    async with workers(time_env, task_queue, [InvoiceWorkflow], fake.activities()):
        handle, state = await _open_invoice(time_env, task_queue)
        assert state.details == {"payment_reference": "1165387997", "expiry_date_time": "2026-11-28T18:00:00.000"}
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=state.reference_id))
        result: PaymentState = await handle.result()
    assert result.status is PaymentStatus.SUCCESSFUL
    assert result.details["payment_reference"] == "1165387997"


async def test_cancel_update_cancels_through_its_own_operation(time_env: WorkflowEnvironment, task_queue: str) -> None:
    cancelled_invoice = ProviderStatus(status="FAILED", reason="TRANSACTION_CANCELED")
    fake = FakeOperation(steps=contract.INVOICE, statuses=[OPEN_INVOICE])
    cancellation = FakeOperation(steps=contract.INVOICE_CANCELLATION)
    activities = [*fake.activities(), cancellation.activities()[0]]  # status checks are shared with the invoice
    async with workers(time_env, task_queue, [InvoiceWorkflow], activities):
        handle, state = await _open_invoice(time_env, task_queue)
        update = asyncio.create_task(handle.execute_update(InvoiceWorkflow.cancel))
        for _ in range(200):
            if cancellation.submitted:
                break
            await asyncio.sleep(0.05)
        cancel_ref = cancellation.submitted_refs[0]
        assert cancel_ref != state.reference_id  # the DELETE has its own reference id
        fake.by_reference[cancel_ref] = [ProviderStatus(status="SUCCESSFUL")]
        fake.statuses.append(cancelled_invoice)
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=cancel_ref))
        after_cancel: PaymentState = await update
        result: PaymentState = await handle.result()

    submitted = cancellation.submitted[0].payload
    assert submitted["invoice_reference_id"] == state.reference_id and submitted["external_id"] == "INV-1"
    assert after_cancel.details["cancellation_status"] == "SUCCESSFUL"
    assert (result.status, result.reason) == (PaymentStatus.FAILED, "TRANSACTION_CANCELED")
    assert result.details["cancellation_reference_id"] == cancel_ref
    assert cancel_ref in fake.checked_refs


async def test_cancel_refused_by_momo_is_reported(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(steps=contract.INVOICE, statuses=[OPEN_INVOICE])
    refusal = ApplicationError("HTTP 404 RESOURCE_NOT_FOUND", type="RESOURCE_NOT_FOUND", non_retryable=True)
    cancellation = FakeOperation(steps=contract.INVOICE_CANCELLATION, submit_error=refusal)
    async with workers(time_env, task_queue, [InvoiceWorkflow], [*fake.activities(), cancellation.activities()[0]]):
        handle, _ = await _open_invoice(time_env, task_queue)
        state: PaymentState = await handle.execute_update(InvoiceWorkflow.cancel)
        assert state.details["cancellation_status"] == "FAILED"
        assert state.details["cancellation_reason"] == "RESOURCE_NOT_FOUND"
        assert state.status is PaymentStatus.PENDING  # the invoice itself is still open
        again: PaymentState = await handle.execute_update(InvoiceWorkflow.cancel)  # one cancellation per invoice
        assert again.details == state.details and len(cancellation.submitted) == 1
        await handle.terminate()


async def test_finished_invoice_cannot_be_cancelled(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(steps=contract.INVOICE, statuses=[OPEN_INVOICE, ProviderStatus(status="SUCCESSFUL")])
    async with workers(time_env, task_queue, [InvoiceWorkflow], fake.activities()):
        handle, state = await _open_invoice(time_env, task_queue)
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=state.reference_id))
        await handle.result()
        with pytest.raises(RPCError) as ended:  # the workflow has finished: no update reaches it
            await handle.execute_update(InvoiceWorkflow.cancel)
        assert ended.value.status is RPCStatusCode.NOT_FOUND


# -- Synchronous use cases ----------------------------------------------------------------------

PARTY = {"party_id_type": "MSISDN", "party_id": "46733123451"}


async def test_validate_account_holder(time_env: WorkflowEnvironment, task_queue: str) -> None:
    extra, seen = account_fakes("collection", AccountHolder(found=True, active=False))
    async with workers(time_env, task_queue, [ValidateAccountHolderWorkflow], extra):
        result = await time_env.client.execute_workflow(
            ValidateAccountHolderWorkflow.run,
            AccountHolderQuery(party=PARTY),
            id=f"a-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert result == AccountHolder(found=True, active=False)
    assert seen[0].party.party_id == "46733123451"


async def test_business_refusal_fails_sync_workflow_with_momo_code(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    refusal = ApplicationError("HTTP 500 NOT_ALLOWED: Authorization failed", type="NOT_ALLOWED", non_retryable=True)
    extra, _ = account_fakes("disbursement", refusal)
    async with workers(time_env, task_queue, [ValidateAccountHolderWorkflow], extra):
        with pytest.raises(WorkflowFailureError) as info:
            await time_env.client.execute_workflow(
                ValidateAccountHolderWorkflow.run,
                AccountHolderQuery(party=PARTY, product="disbursement"),
                id=f"a-{uuid.uuid4()}",
                task_queue=task_queue,
            )
    cause = info.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "NOT_ALLOWED"
    assert "Authorization failed" in cause.message


async def test_get_balance(time_env: WorkflowEnvironment, task_queue: str) -> None:
    extra, seen = account_fakes("disbursement", AccountHolder(found=True, active=True), balance="1234.50")
    async with workers(time_env, task_queue, [GetBalanceWorkflow], extra):
        result = await time_env.client.execute_workflow(
            GetBalanceWorkflow.run,
            BalanceQuery(product="disbursement", currency="EUR"),
            id=f"b-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert result == AccountBalance(available_balance=Decimal("1234.50"), currency="EUR")


async def test_list_and_cancel_pre_approvals(time_env: WorkflowEnvironment, task_queue: str) -> None:
    cancelled: list[str] = []

    @activity.defn(name=contract.LIST_PRE_APPROVALS)
    async def list_them(listing: PreApprovalListing) -> list[PreApprovalEntry]:
        return [PreApprovalEntry(pre_approval_id="p-1", status="APPROVED", currency="EUR")]

    @activity.defn(name=contract.CANCEL_PRE_APPROVAL)
    async def cancel(cancellation: PreApprovalCancellation) -> bool:
        cancelled.append(cancellation.pre_approval_id)
        return True

    ref = str(uuid.uuid4())
    async with workers(
        time_env, task_queue, [ListPreApprovalsWorkflow, CancelPreApprovalWorkflow], [list_them, cancel]
    ):
        listed = await time_env.client.execute_workflow(
            ListPreApprovalsWorkflow.run,
            PreApprovalListQuery(party=PARTY),
            id=f"l-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        done = await time_env.client.execute_workflow(
            CancelPreApprovalWorkflow.run,
            CancelPreApprovalRequest(pre_approval_id=ref),
            id=f"c-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert [entry.status for entry in listed] == ["APPROVED"]
    assert done is True and cancelled == [ref]
