"""A sandbox whose customers decide by hand, through its customer-side API."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from devstack import Stack, StackConfig
from momoflow.models import PaymentStatus
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def manual(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    env = {"SANDBOX_AUTO_DECIDE": "false", "SANDBOX_APPROVAL_DELAY_S": "0.2"}
    config = StackConfig.ephemeral(Path(tmp_path_factory.mktemp("manual")), sandbox_env=env)
    running = await Stack(config).start()
    try:
        yield running
    finally:
        running.stop()


def _payer() -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": f"2567{random.randint(10_000_000, 99_999_999)}"}


async def _customer(stack: Stack, method: str, path: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"{stack.config.sandbox_url}/sandbox/customer") as http:
        return await http.request(method, path, **kwargs)


async def test_payment_waits_for_the_customer(manual: Stack) -> None:
    payer = _payer()
    payment = await manual.momoflow().request_to_pay(
        {"amount": "15", "currency": "EUR", "payer": payer, "external_id": f"M-{uuid.uuid4().hex[:8]}"}, timing=TIMING
    )
    waiting = await payment.result(timeout=2)
    assert waiting.status is PaymentStatus.PENDING  # nobody has approved yet
    pending = (await _customer(manual, "GET", f"/{payer['party_id']}/requests")).json()
    assert waiting.reference_id in str(pending)
    response = await _customer(manual, "POST", f"/requests/{waiting.reference_id}/approve")
    assert response.status_code == 200
    assert (await payment.result()).status is PaymentStatus.SUCCESSFUL


async def test_customer_rejection(manual: Stack) -> None:
    payment = await manual.momoflow().request_to_pay(
        {"amount": "15", "currency": "EUR", "payer": _payer(), "external_id": f"M-{uuid.uuid4().hex[:8]}"},
        timing=TIMING,
    )
    state = await payment.result(timeout=1)
    assert (await _customer(manual, "POST", f"/requests/{state.reference_id}/reject")).status_code == 200
    final = await payment.result()
    assert (final.status, final.reason) == (PaymentStatus.FAILED, "APPROVAL_REJECTED")


async def test_pre_approved_payer_is_debited_without_asking(manual: Stack) -> None:
    momoflow = manual.momoflow()
    payer = _payer()
    approval = await momoflow.pre_approval(
        {"payer": payer, "currency": "EUR", "validity_s": 600}, key=f"S-{uuid.uuid4().hex[:8]}", timing=TIMING
    )
    ref = (await approval.result(timeout=1)).reference_id
    assert (await _customer(manual, "POST", f"/requests/{ref}/approve")).status_code == 200
    assert (await approval.result()).status is PaymentStatus.SUCCESSFUL

    debit = await momoflow.request_to_pay(
        {"amount": "9.99", "currency": "EUR", "payer": payer, "external_id": f"M-{uuid.uuid4().hex[:8]}"}, timing=TIMING
    )
    state = await asyncio.wait_for(debit.result(), 30)  # no customer action this time
    assert state.status is PaymentStatus.SUCCESSFUL


async def test_customer_pays_an_invoice(manual: Stack) -> None:
    payer = _payer()
    invoice = await manual.momoflow().create_invoice(
        {
            "amount": "30",
            "currency": "EUR",
            "intended_payer": payer,
            "payee": {"party_id_type": "MSISDN", "party_id": "46733000001"},
            "external_id": f"I-{uuid.uuid4().hex[:8]}",
            "validity_s": 600,
        },
        timing=TIMING,
    )
    for _ in range(100):
        state = await invoice.status()
        if state.details.get("payment_reference"):
            break
        await asyncio.sleep(0.1)
    reference = state.details["payment_reference"]
    stranger = await _customer(manual, "POST", f"/invoices/{reference}/pay", json={"payer": "256700000000"})
    assert stranger.status_code == 403
    paid = await _customer(manual, "POST", f"/invoices/{reference}/pay", json={"payer": payer["party_id"]})
    assert paid.status_code == 200
    assert (await invoice.result()).status is PaymentStatus.SUCCESSFUL


async def test_customer_page_is_served(manual: Stack) -> None:
    page = await _customer(manual, "GET", "")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
