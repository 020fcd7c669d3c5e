"""Every use case through the real stack: dev server, sandbox, gateway and worker over loopback."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest

from devstack import Stack
from momoflow.models import PaymentStatus
from momoflow.settings import PaymentDefaults
from starter.facade import OperationFailed, StartError
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


def _msisdn(number: str) -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": number}


def _customer() -> str:
    return f"2567{random.randint(10_000_000, 99_999_999)}"


def _key(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


async def test_transfer_moves_money_and_reports_provider_failures(stack: Stack) -> None:
    momoflow = stack.momoflow()
    before = await momoflow.get_balance(product="disbursement")
    ok = await momoflow.transfer(
        {"amount": "125.50", "currency": "EUR", "payee": _msisdn(_customer()), "external_id": _key("PAY"),
         "check_payee": True, "check_balance": True},
        timing=TIMING,
    )  # fmt: skip
    short = await momoflow.transfer(
        {"amount": "10", "currency": "EUR", "payee": _msisdn("46733123455"), "external_id": _key("PAY")}, timing=TIMING
    )
    ok_state, short_state = await asyncio.gather(ok.result(), short.result())
    assert ok_state.status is PaymentStatus.SUCCESSFUL and ok_state.financial_transaction_id
    assert (short_state.status, short_state.reason) == (PaymentStatus.FAILED, "NOT_ENOUGH_FUNDS")
    after = await momoflow.get_balance(product="disbursement")
    assert before.available_balance - after.available_balance == Decimal("125.50")


async def test_transfer_precheck_stops_before_any_request(stack: Stack) -> None:
    momoflow = stack.momoflow()
    payment = await momoflow.transfer(
        {
            "amount": "10",
            "currency": "EUR",
            "payee": _msisdn("46733123451"),
            "external_id": _key("PAY"),
            "check_payee": True,
        },
        timing=TIMING,
    )
    state = await payment.result()
    assert (state.status, state.reason) == (PaymentStatus.FAILED, "PRECHECK_PAYEE_NOT_ACTIVE")
    stats = await stack.sandbox_stats()
    assert state.reference_id not in stats["posts_accepted"]


async def test_request_to_pay_credits_the_collection_account(stack: Stack) -> None:
    momoflow = stack.momoflow()
    before = await momoflow.get_balance()
    payment = await momoflow.request_to_pay(
        {"amount": "42.10", "currency": "EUR", "payer": _msisdn(_customer()), "external_id": _key("ORD")}, timing=TIMING
    )
    assert (await payment.result()).status is PaymentStatus.SUCCESSFUL
    after = await momoflow.get_balance(currency="EUR")
    assert after.available_balance - before.available_balance == Decimal("42.10")


async def test_pre_approval_lifecycle(stack: Stack) -> None:
    momoflow = stack.momoflow()
    payer = _msisdn(_customer())
    approval = await momoflow.pre_approval(
        {"payer": payer, "currency": "EUR", "validity_s": 3600}, key=_key("SUB"), timing=TIMING
    )
    rejected = await momoflow.pre_approval(
        {"payer": _msisdn("46733123451"), "currency": "EUR", "validity_s": 3600}, key=_key("SUB"), timing=TIMING
    )
    state, refused = await asyncio.gather(approval.result(), rejected.result())
    assert state.status is PaymentStatus.SUCCESSFUL
    assert state.details["expiration_date_time"]
    assert (refused.status, refused.reason) == (PaymentStatus.FAILED, "APPROVAL_REJECTED")

    listed = await momoflow.list_pre_approvals(payer)
    assert [(entry.pre_approval_id, entry.status) for entry in listed] == [(state.reference_id, "APPROVED")]
    assert await momoflow.cancel_pre_approval(state.reference_id) is True
    assert [entry.status for entry in await momoflow.list_pre_approvals(payer)] == ["CANCELLED"]
    with pytest.raises(OperationFailed) as info:
        await momoflow.cancel_pre_approval(state.reference_id)
    assert info.value.code == "NOT_ALLOWED"


def _invoice(payer: str, validity_s: int = 3600) -> dict[str, object]:
    return {
        "amount": "99.90",
        "currency": "EUR",
        "intended_payer": _msisdn(payer),
        "payee": _msisdn("46733000001"),
        "external_id": _key("INV"),
        "validity_s": validity_s,
        "description": "Invoice for order",
    }


async def test_invoice_paid_expired_and_cancelled(stack: Stack) -> None:
    momoflow = stack.momoflow()
    paid = await momoflow.create_invoice(_invoice(_customer()), timing=TIMING)
    expiring = await momoflow.create_invoice(_invoice("46733123453", validity_s=2), timing=TIMING)
    open_one = await momoflow.create_invoice(_invoice("46733123453"), timing=TIMING)

    for _ in range(100):
        opened = await open_one.status()
        if opened.details.get("payment_reference"):
            break
        await asyncio.sleep(0.1)
    assert opened.status is PaymentStatus.PENDING
    assert opened.details["payment_reference"].isdigit() and opened.details["expiry_date_time"]
    after_cancel = await open_one.cancel()
    assert after_cancel.details["cancellation_status"] == "SUCCESSFUL"

    paid_state, expired_state, cancelled_state = await asyncio.gather(
        paid.result(), expiring.result(), open_one.result()
    )
    assert paid_state.status is PaymentStatus.SUCCESSFUL
    assert (expired_state.status, expired_state.reason) == (PaymentStatus.FAILED, "EXPIRED")
    assert (cancelled_state.status, cancelled_state.reason) == (PaymentStatus.FAILED, "TRANSACTION_CANCELED")

    # Cancelling a paid invoice from outside: MoMo refuses, and says so.
    late = await momoflow.cancel_invoice(
        {"invoice_reference_id": paid_state.reference_id, "external_id": paid_state.external_id}, timing=TIMING
    )
    late_state = await late.result()
    assert (late_state.status, late_state.reason) == (PaymentStatus.FAILED, "NOT_ALLOWED")


async def test_account_holder_checks(stack: Stack) -> None:
    momoflow = stack.momoflow()
    active = await momoflow.validate_account_holder(_msisdn(_customer()), basic_info=True)
    assert (active.found, active.active, active.given_name, active.family_name) == (True, True, "Sand", "Box")
    inactive = await momoflow.validate_account_holder(_msisdn("46733123451"), product="disbursement")
    assert (inactive.found, inactive.active) == (True, False)
    missing = await momoflow.validate_account_holder({"party_id_type": "EMAIL", "party_id": "notfound@email.com"})
    assert missing.found is False
    with pytest.raises(OperationFailed) as info:
        await momoflow.validate_account_holder(_msisdn("46733123452"))
    assert info.value.code == "NOT_ALLOWED"


async def test_balance_in_a_currency_the_sandbox_refuses(stack: Stack) -> None:
    with pytest.raises(StartError, match="the MoMo sandbox accepts only EUR"):  # refused before asking
        await stack.momoflow().get_balance(product="disbursement", currency="XOF")
    # A caller configured for another market gets past its own check; the worker knows it talks
    # to the sandbox and refuses at admission, before MoMo is asked.
    production_rules = stack.momoflow(defaults=PaymentDefaults(target_environment="mtnivorycoast"))
    with pytest.raises(OperationFailed) as info:
        await production_rules.get_balance(product="disbursement", currency="XOF")
    assert info.value.code == "INVALID_REQUEST"
    assert "currency: the MoMo sandbox accepts only EUR, got XOF" in info.value.message


async def test_demo_shows_every_use_case_as_expected(stack: Stack) -> None:
    env = stack.client_env()
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "starter", "demo"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for use_case in ("Request to Pay", "Pre-Approval", "Transfer", "Validate Account Holder", "Get Balance", "Invoice",
                     "Cancel Invoice", "Request to Withdraw", "Delivery Notification"):  # fmt: skip
        assert use_case in done.stdout
    assert "DIFFERS" not in done.stdout
    assert "46733123" not in done.stderr
