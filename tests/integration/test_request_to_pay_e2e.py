"""Request to Pay through every real part, over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from devstack import Stack
from momoflow.callback_tokens import CallbackSigner
from momoflow.models import PaymentState, PaymentStatus
from momoflow.settings import PaymentDefaults
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


def _request(payer: str, external_id: str) -> dict[str, object]:
    return {
        "amount": "500",
        "currency": "EUR",
        "payer": {"party_id_type": "MSISDN", "party_id": payer},
        "external_id": external_id,
        "payer_message": "Order",
        "payee_note": "Thanks",
    }


# The sandbox's documented test numbers and the outcome each must end in.
OUTCOMES = {
    "46733123450": (PaymentStatus.FAILED, "INTERNAL_PROCESSING_ERROR"),
    "46733123451": (PaymentStatus.FAILED, "APPROVAL_REJECTED"),
    "46733123452": (PaymentStatus.FAILED, "EXPIRED"),
    "46733123454": (PaymentStatus.SUCCESSFUL, None),
    "46733123455": (PaymentStatus.FAILED, "PAYER_NOT_FOUND"),
    "46733999999": (PaymentStatus.SUCCESSFUL, None),
}


async def test_each_test_number_ends_in_its_documented_state(stack: Stack) -> None:
    momoflow = stack.momoflow()
    run = uuid.uuid4().hex[:8]
    # The first status check comes well after the sandbox's callbacks (within 2 s), so each
    # outcome is reached through its callback, as the assertions below require.
    callback_first = TIMING.model_copy(update={"poll_interval_s": 10})
    payments = {
        payer: await momoflow.request_to_pay(_request(payer, f"NUM-{run}-{payer[-3:]}"), timing=callback_first)
        for payer in OUTCOMES
    }
    results: dict[str, PaymentState] = dict(
        zip(payments, await asyncio.wait_for(asyncio.gather(*(p.result() for p in payments.values())), 90), strict=True)
    )
    for payer, (status, reason) in OUTCOMES.items():
        state = results[payer]
        assert (state.status, state.reason) == (status, reason), payer
        if status is PaymentStatus.SUCCESSFUL:
            assert state.financial_transaction_id
        # The callback arrived and was verified by GET rather than believed.
        assert state.callbacks_received == 1, payer
        assert state.history[-1].source == "callback", payer

    stats = await stack.sandbox_stats()
    for state in results.values():
        assert stats["posts_accepted"][state.reference_id] == 1


async def test_ongoing_payment_stays_pending_and_is_queryable(stack: Stack) -> None:
    payment = await stack.momoflow().request_to_pay(
        _request("46733123453", f"ONGOING-{uuid.uuid4().hex[:8]}"), timing=TIMING
    )
    state = await payment.result(timeout=3)
    assert state.status is PaymentStatus.PENDING
    assert state.reference_id


async def test_callback_that_lies_does_not_change_the_outcome(stack: Stack) -> None:
    # 46733123453 never leaves PENDING in the sandbox; a forged "SUCCESSFUL" callback
    # with a valid URL must be checked by GET and ignored.
    payment = await stack.momoflow().request_to_pay(
        _request("46733123453", f"LIE-{uuid.uuid4().hex[:8]}"), timing=TIMING
    )
    for _ in range(100):
        state = await payment.status()
        if state.status is PaymentStatus.PENDING:
            break
        await asyncio.sleep(0.1)
    signer = CallbackSigner.from_spec(stack.config.callback_secrets)
    url = signer.url(stack.config.gateway_url, payment.workflow_id, state.reference_id)
    async with httpx.AsyncClient() as http:
        response = await http.post(url, json={"status": "SUCCESSFUL", "financialTransactionId": "666"})
    assert response.status_code == 200
    for _ in range(100):
        state = await payment.status()
        if state.callbacks_received and state.status_checks:
            break
        await asyncio.sleep(0.1)
    assert state.callbacks_received == 1
    assert state.status_checks >= 1  # the workflow asked MoMo…
    assert state.status is PaymentStatus.PENDING  # …and believed MoMo, not the callback
    assert state.financial_transaction_id is None


async def test_forged_callback_url_is_refused_and_signals_nothing(stack: Stack) -> None:
    payment = await stack.momoflow().request_to_pay(
        _request("46733123453", f"FORGE-{uuid.uuid4().hex[:8]}"), timing=TIMING
    )
    state = await payment.status()
    forger = CallbackSigner.from_spec("dev:not-the-real-secret-at-all")
    url = forger.url(stack.config.gateway_url, payment.workflow_id, state.reference_id)
    async with httpx.AsyncClient() as http:
        response = await http.post(url, json={"status": "SUCCESSFUL"})
    assert response.status_code == 404
    await asyncio.sleep(0.5)
    assert (await payment.status()).callbacks_received == 0


async def test_currency_the_workers_environment_refuses_fails_before_submit(stack: Stack) -> None:
    # A caller configured for a production market lets UGX through; the worker, which talks to
    # the sandbox, refuses it at admission, before anything reaches MoMo.
    production_rules = stack.momoflow(defaults=PaymentDefaults(target_environment="mtnuganda"))
    request = {**_request("46733999999", f"CUR-{uuid.uuid4().hex[:8]}"), "currency": "UGX"}
    payment = await production_rules.request_to_pay(request, timing=TIMING)
    with pytest.raises(WorkflowFailureError) as info:
        await payment.result()
    cause = info.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "INVALID_REQUEST"
    assert "request.currency: the MoMo sandbox accepts only EUR, got UGX" in cause.message
    events = [event.event_type async for event in payment.raw.fetch_history_events()]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in events  # MoMo was never asked


async def test_cli_shows_progress_and_exits_by_outcome(stack: Stack) -> None:
    env = {**stack.client_env(), "PAYMENT_CALLBACK_TIMEOUT_S": "15", "PAYMENT_POLL_INTERVAL_S": "1"}
    external_id = f"CLI-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "starter", "request-to-pay", "--amount", "500", "--currency", "EUR",
            "--payer", "46733123451", "--external-id", external_id]  # fmt: skip
    done = await asyncio.to_thread(subprocess.run, argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"workflow rtp-{external_id}" in done.stdout
    assert "46733123451" not in done.stdout  # the payer is shown masked
    assert "*******3451" in done.stdout
    assert "FAILED" in done.stdout and "APPROVAL_REJECTED" in done.stdout
    final = json.loads(done.stdout[done.stdout.index("{") :])
    assert final["status"] == "FAILED"

    bad = await asyncio.to_thread(
        subprocess.run,
        [*argv[:-1], "ORDER 1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "external_id" in bad.stderr


async def test_operator_resolves_an_unknown_payment_from_the_cli(stack: Stack) -> None:
    timing = TIMING.model_copy(update={"callback_timeout_s": 1, "deadline_s": 3})
    payment = await stack.momoflow().request_to_pay(
        _request("46733123453", f"OPS-{uuid.uuid4().hex[:8]}"), timing=timing
    )
    for _ in range(100):
        if (await payment.status()).status is PaymentStatus.UNKNOWN:
            break
        await asyncio.sleep(0.1)
    argv = [sys.executable, "-m", "starter", "resolve", payment.workflow_id, "--status", "FAILED",
            "--operator", "alice", "--reason", "MTN support: never debited"]  # fmt: skip
    done = await asyncio.to_thread(
        subprocess.run, argv, env=stack.client_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr  # the resolution was recorded, whichever status was chosen
    assert "keeps checking MoMo" in done.stdout
    # The CLI answers at once; the workflow stays open and keeps checking MoMo.
    final = await payment.status()
    assert (final.status, final.reason, final.resolved_by) == (PaymentStatus.FAILED, "RESOLVED_BY_OPERATOR", "alice")
    assert final.reason_message == "MTN support: never debited"
    assert final.history[-1].source == "operator:alice"


async def test_customer_approving_after_a_failed_resolution_is_flagged(stack: Stack) -> None:
    """The money-critical case: resolved FAILED, then the customer approves and MoMo takes the money."""
    timing = TIMING.model_copy(
        update={
            "callback_timeout_s": 1,
            "deadline_s": 3,
            "reconcile_initial_interval_s": 1,
            "reconcile_max_interval_s": 2,
        }
    )
    payment = await stack.momoflow().request_to_pay(
        _request("46733123453", f"OPS-{uuid.uuid4().hex[:8]}"), timing=timing
    )
    for _ in range(100):
        if (await payment.status()).status is PaymentStatus.UNKNOWN:
            break
        await asyncio.sleep(0.1)
    resolved = await payment.resolve("FAILED", operator="alice", reason="customer says no")
    assert resolved.resolution_check == "CHECKING"
    async with httpx.AsyncClient() as http:
        approved = await http.post(
            f"{stack.config.sandbox_url}/sandbox/customer/requests/{resolved.reference_id}/approve"
        )
        assert approved.status_code == 200, approved.text
    final = await asyncio.wait_for(payment.result(), 60)
    assert final.status is PaymentStatus.FAILED and final.resolution_check == "CONTRADICTED"
    assert final.discrepancy is not None and final.discrepancy.status is PaymentStatus.SUCCESSFUL
    assert final.discrepancy.financial_transaction_id
    argv = [sys.executable, "-m", "starter", "status", payment.workflow_id]
    done = await asyncio.to_thread(
        subprocess.run, argv, env=stack.client_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr  # FAILED, as the operator decided
    assert "DISCREPANCY: resolved FAILED by alice, but MoMo reports SUCCESSFUL" in done.stdout
    described = await stack.client.get_workflow_handle(payment.workflow_id).describe()
    assert described.search_attributes.get("MomoDiscrepancy") == ["SUCCESSFUL"]
