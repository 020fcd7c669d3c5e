"""Re-record the workflow histories the replay tests use (``make record-histories``).

Starts a private stack (dev server, sandbox, gateway, worker on free ports),
drives one payment through each path of the payment pattern, one period of
a subscription and the refunds of one payment (with its ledger), and writes each history as JSON beside this file. Re-record
after an intended, compatible change; an incompatible change must instead be
guarded with workflow.patched().

Name fixtures to record only those (``python -m tests.replay.record
subscription-debit``): only the runs that produce them happen and no other
file is written, so the committed histories of older behaviour stay as they are.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path

import httpx
from temporalio.client import WorkflowFailureError

from devstack import Stack, StackConfig
from momoflow.contract import IdPrefix, WorkflowType, refund_ledger_id
from momoflow.models import PaymentStatus, PaymentTiming
from momoflow.settings import PaymentDefaults
from starter import subscriptions
from starter.facade import Momoflow, OperationFailed

HISTORIES = Path(__file__).parent / "histories"
FAST = PaymentTiming(callback_timeout_s=10, poll_interval_s=1, deadline_s=60)


def _request(payer: str, name: str, currency: str = "EUR") -> dict[str, object]:
    return {
        "amount": "250.50",
        "currency": currency,
        "payer": {"party_id_type": "MSISDN", "party_id": payer},
        "external_id": f"REPLAY-{name}",
        "payer_message": "Replay fixture",
    }


async def _faults(stack: Stack, **values: float) -> None:
    async with httpx.AsyncClient() as http:
        (await http.put(f"{stack.config.sandbox_url}/sandbox/faults", json=values)).raise_for_status()


async def _payments(stack: Stack) -> dict[str, str]:
    """One payment through each path of the payment pattern, and every other payment workflow type."""
    momoflow: Momoflow = stack.momoflow()
    config = stack.config
    ids: dict[str, str] = {}

    async def run(name: str, request: dict[str, object], timing: PaymentTiming = FAST) -> None:
        payment = await momoflow.request_to_pay(request, timing=timing)
        await payment.result()
        ids[name] = payment.workflow_id

    await run("callback-successful", _request("46733999999", "callback-successful"))
    await run("callback-rejected", _request("46733123451", "callback-rejected"))
    await _faults(stack, callback_drop_rate=1.0)
    await run(
        "poll-successful", _request("46733999998", "poll-successful"), FAST.model_copy(update={"callback_timeout_s": 2})
    )
    await _faults(stack, callback_drop_rate=0.0)
    # A production market's rules in the facade let XOF through; the worker, on the sandbox,
    # refuses it at admission. (request_to_pay-submit-invalid-currency.json, MoMo refusing at
    # submit, was recorded before admission existed and is kept as it is.)
    production = Momoflow(stack.client, config.temporal_settings(), PaymentDefaults(target_environment="mtnivorycoast"))
    refused = await production.request_to_pay(_request("46733999999", "refused-at-admission", "XOF"), timing=FAST)
    try:
        await refused.result()
    except WorkflowFailureError:
        pass
    else:
        raise RuntimeError("refused-at-admission: the worker admitted a currency its environment refuses")
    ids["refused-at-admission"] = refused.workflow_id

    # Never answered: UNKNOWN at the deadline, then settled by an operator.
    unknown = await momoflow.request_to_pay(
        _request("46733123453", "unknown-resolved"),
        timing=FAST.model_copy(update={"callback_timeout_s": 1, "deadline_s": 3, "reconcile_initial_interval_s": 1}),
    )
    while (await unknown.status()).status is not PaymentStatus.UNKNOWN:
        await asyncio.sleep(0.2)
    await unknown.resolve("FAILED", operator="replay-recorder", reason="fixture: customer never answered")
    ids["unknown-resolved"] = unknown.workflow_id

    # Resolved FAILED, then the customer approves: MoMo contradicts the operator.
    contradicted = await momoflow.request_to_pay(
        _request("46733123453", "resolved-contradicted"),
        timing=FAST.model_copy(
            update={
                "callback_timeout_s": 1,
                "deadline_s": 3,
                "reconcile_initial_interval_s": 1,
                "reconcile_max_interval_s": 2,
            }
        ),
    )
    while (await contradicted.status()).status is not PaymentStatus.UNKNOWN:
        await asyncio.sleep(0.2)
    resolved = await contradicted.resolve("FAILED", operator="replay-recorder", reason="fixture: customer said no")
    async with httpx.AsyncClient() as http:
        url = f"{stack.config.sandbox_url}/sandbox/customer/requests/{resolved.reference_id}/approve"
        (await http.post(url)).raise_for_status()
    await contradicted.result()
    ids["resolved-contradicted"] = contradicted.workflow_id

    # Every other workflow type, once each.
    payee = {"party_id_type": "MSISDN", "party_id": "46733000002"}
    transfer = await momoflow.transfer(
        {"amount": "20", "currency": "EUR", "payee": payee, "external_id": "REPLAY-transfer",
         "check_payee": True, "check_balance": True},
        timing=FAST,
    )  # fmt: skip
    approval = await momoflow.pre_approval(
        {"payer": {"party_id_type": "MSISDN", "party_id": "46733000003"}, "currency": "EUR", "validity_s": 600},
        key="REPLAY-preapproval",
        timing=FAST,
    )
    invoice_request = {
        "amount": "30",
        "currency": "EUR",
        "payee": {"party_id_type": "MSISDN", "party_id": "46733000001"},
        "validity_s": 600,
    }
    paid = await momoflow.create_invoice(
        {**invoice_request, "intended_payer": payee, "external_id": "REPLAY-invoice-paid"}, timing=FAST
    )
    open_invoice = await momoflow.create_invoice(
        {**invoice_request, "intended_payer": {"party_id_type": "MSISDN", "party_id": "46733123453"},
         "external_id": "REPLAY-invoice-cancelled"},
        timing=FAST,
    )  # fmt: skip
    while not (await open_invoice.status()).details.get("payment_reference"):
        await asyncio.sleep(0.1)
    await open_invoice.cancel()
    approved = await approval.result()
    for name, handle in (("transfer", transfer), ("invoice-paid", paid), ("invoice-cancelled", open_invoice)):
        await handle.result()
        ids[name] = handle.workflow_id
    ids["preapproval"] = approval.workflow_id
    paid_state = await paid.result()
    late_cancel = await momoflow.cancel_invoice(
        {"invoice_reference_id": paid_state.reference_id, "external_id": "REPLAY-invoice-paid"}, timing=FAST
    )
    await late_cancel.result()
    ids["cancel-invoice-refused"] = late_cancel.workflow_id

    # The synchronous workflows: run each, then find its id.
    await momoflow.validate_account_holder(payee, product="disbursement")
    await momoflow.get_balance(product="collection")
    await momoflow.list_pre_approvals({"party_id_type": "MSISDN", "party_id": "46733000003"})
    await momoflow.cancel_pre_approval(approved.reference_id)
    for workflow_type in ("ValidateAccountHolder", "GetBalance", "ListPreApprovals", "CancelPreApproval"):
        async for execution in stack.client.list_workflows(f'WorkflowType="{workflow_type}"'):
            ids[_kebab(workflow_type)] = execution.id
            break

    return {_file_name(name): workflow_id for name, workflow_id in ids.items()}


async def _subscription_debit(stack: Stack) -> dict[str, str]:
    """One period of a subscription, started by its real schedule, collected to SUCCESSFUL.

    The payer is the sandbox number the pre-approval fixtures already carry, so this
    history adds no other number; ids and search attributes carry none.
    """
    momoflow = stack.momoflow()
    payer = {"party_id_type": "MSISDN", "party_id": "46733000003"}
    mandate_key = "REPLAY-subscription-mandate"
    approval = await momoflow.pre_approval(
        {"payer": payer, "currency": "EUR", "validity_s": 600}, key=mandate_key, timing=FAST
    )
    if (await approval.result()).status is not PaymentStatus.SUCCESSFUL:
        raise RuntimeError("the sandbox did not approve the subscription's pre-approval")
    subscription_id = "REPLAY-subscription"
    request = {
        "subscription_id": subscription_id,
        "payer": payer,
        "amount": "3.50",
        "currency": "EUR",
        "payer_message": "Replay fixture",
        "cadence": {"every_s": 2},
        "count": 1,  # one scheduled period, then the schedule has no more actions
    }
    await momoflow.subscribe(request, pre_approval_key=mandate_key, timing=FAST)
    query = (
        f'WorkflowType = "{WorkflowType.SUBSCRIPTION_DEBIT}" '
        f'AND WorkflowId STARTS_WITH "{IdPrefix.SUBSCRIPTION_DEBIT}-{subscription_id}-" AND ExecutionStatus = "Completed"'
    )
    try:
        for _ in range(300):
            async for execution in stack.client.list_workflows(query):
                period = await subscriptions.debits(stack.client, subscription_id)
                if [p.status for p in period] != ["SUCCESSFUL"]:
                    raise RuntimeError(f"the subscription's period did not end SUCCESSFUL: {period}")
                return {"subscription-debit": execution.id}
            await asyncio.sleep(0.2)
        raise RuntimeError("the subscription's schedule never completed a period")
    finally:
        await subscriptions.cancel(stack.client, subscription_id)


async def _payouts(stack: Stack) -> dict[str, str]:
    """A deposit (SUCCESSFUL without a financial transaction id) and a remittance transfer, both SUCCESSFUL."""
    momoflow = stack.momoflow()
    payee = {"party_id_type": "MSISDN", "party_id": "46733000002"}
    body = {"amount": "15", "currency": "EUR", "payee": payee, "payer_message": "Replay fixture"}
    deposit = await momoflow.deposit({**body, "external_id": "REPLAY-deposit"}, timing=FAST)
    remittance = await momoflow.remittance_transfer({**body, "external_id": "REPLAY-remittance"}, timing=FAST)
    for handle in (deposit, remittance):
        state = await handle.result()
        if state.status is not PaymentStatus.SUCCESSFUL:
            raise RuntimeError(f"{handle.workflow_id} ended {state.status.value}")
    return {"deposit": deposit.workflow_id, "remittance-transfer": remittance.workflow_id}


async def _refunds(stack: Stack) -> dict[str, str]:
    """A paid Request to Pay, refunded in part (SUCCESSFUL), then asked for more than is left
    (refused by the payment's ledger before anything is sent); and the ledger itself, which runs on."""
    momoflow = stack.momoflow()
    paid = await momoflow.request_to_pay(_request("46733999999", "refunded"), timing=FAST)
    if (await paid.result()).status is not PaymentStatus.SUCCESSFUL:
        raise RuntimeError("the sandbox did not pay the Request to Pay to refund")
    ids = {}
    for name, amount in (("refund-successful", "200.50"), ("refund-refused", "50.01")):
        request = {
            "original_key": paid.workflow_id,
            "amount": amount,
            "currency": "EUR",
            "external_id": f"REPLAY-{name}",
        }
        refund = await momoflow.refund(request, key=f"REPLAY-{name}", timing=FAST)
        state = await refund.result()
        expected = PaymentStatus.SUCCESSFUL if name == "refund-successful" else PaymentStatus.FAILED
        if state.status is not expected:
            raise RuntimeError(f"{name}: ended {state.status.value} ({state.reason}), not {expected.value}")
        ids[name] = refund.workflow_id
    for _ in range(50):  # the refund's settle signal may still be on its way
        ledger = await momoflow.refund_ledger(paid.workflow_id)
        if all(claim.state.value != "HELD" for claim in ledger.reservations.values()):
            break
        await asyncio.sleep(0.1)
    if any(claim.state.value == "HELD" for claim in ledger.reservations.values()):
        raise RuntimeError(f"the refund's settle signal has not reached the ledger yet: {ledger}")
    ids["refund-ledger"] = refund_ledger_id(paid.workflow_id)
    return ids


async def _withdraw_and_notify(stack: Stack) -> dict[str, str]:
    """A withdrawal that succeeds and one the payer rejects; a note on a paid Request to Pay and one refused
    because its payment failed. Every payer is a sandbox number already in other fixtures."""
    momoflow = stack.momoflow()
    ids: dict[str, str] = {}
    for name, payer in (("callback-successful", "46733999999"), ("callback-rejected", "46733123451")):
        withdrawal = await momoflow.request_to_withdraw(_request(payer, f"withdraw-{name}"), timing=FAST)
        await withdrawal.result()
        ids[f"request_to_withdraw-{name}"] = withdrawal.workflow_id
    for name, payer in (("sent", "46733999999"), ("refused", "46733123451")):
        payment = await momoflow.request_to_pay(_request(payer, f"notify-{name}"), timing=FAST)
        await payment.result()
        key = payment.workflow_id.removeprefix(f"{IdPrefix.REQUEST_TO_PAY}-")
        try:
            result = await momoflow.notify_delivery(
                key, "Replay fixture receipt R-1", note_key="receipt-1", language="en"
            )
        except OperationFailed:
            if name == "sent":
                raise
        else:
            if name == "refused":
                raise RuntimeError(f"a note on a failed payment was sent: {result}")
        ids[f"delivery-notification-{name}"] = f"{IdPrefix.DELIVERY_NOTIFICATION}-{payment.workflow_id}-receipt-1"
    return ids


Recorder = Callable[[Stack], Awaitable[dict[str, str]]]
_SYNCHRONOUS = {"validate-account-holder", "get-balance", "list-pre-approvals", "cancel-pre-approval"}
_OWN_PREFIXES = ("transfer", "preapproval", "invoice", "cancel-invoice")
_PAYMENT_PATHS = (
    "callback-successful",
    "callback-rejected",
    "poll-successful",
    "refused-at-admission",
    "unknown-resolved",
    "resolved-contradicted",
)
_OTHER_PAYMENTS = ("transfer", "preapproval", "invoice-paid", "invoice-cancelled", "cancel-invoice-refused")


def _file_name(name: str) -> str:
    prefix = "" if name in _SYNCHRONOUS or name.startswith(_OWN_PREFIXES) else "request_to_pay-"
    return f"{prefix}{name}"


# Each run and the fixtures (file stems) it writes.
RECORDERS: dict[Recorder, tuple[str, ...]] = {
    _payments: tuple(_file_name(name) for name in (*_PAYMENT_PATHS, *_OTHER_PAYMENTS, *sorted(_SYNCHRONOUS))),
    _subscription_debit: ("subscription-debit",),
    _payouts: ("deposit", "remittance-transfer"),
    _refunds: ("refund-successful", "refund-refused", "refund-ledger"),
    _withdraw_and_notify: (
        "request_to_withdraw-callback-successful",
        "request_to_withdraw-callback-rejected",
        "delivery-notification-sent",
        "delivery-notification-refused",
    ),
}
FIXTURES = [name for names in RECORDERS.values() for name in names]


def unknown_fixtures(names: Collection[str]) -> str | None:
    unknown = sorted(set(names) - set(FIXTURES))
    return f"fixtures: unknown {', '.join(unknown)}; known: {', '.join(FIXTURES)}" if unknown else None


async def record(out_dir: Path = HISTORIES, only: Collection[str] = ()) -> list[Path]:
    """Record every fixture, or only those named in ``only`` (no other file is written)."""
    problem = unknown_fixtures(only)
    if problem:
        raise ValueError(problem)
    wanted = set(only or FIXTURES)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Plain payloads, so the replay test needs no key.
        config = StackConfig.ephemeral(Path(tmp), sandbox_env={"SANDBOX_APPROVAL_DELAY_S": "0.5"}, codec_keys="")
        stack = await Stack(config).start()
        try:
            written = []
            for recorder, names in RECORDERS.items():
                if wanted.isdisjoint(names):
                    continue
                for name, workflow_id in (await recorder(stack)).items():
                    if name not in wanted:
                        continue
                    history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
                    path = out_dir / f"{name}.json"
                    path.write_text(history.to_json())
                    written.append(path)
            return written
        finally:
            stack.stop()


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.replay.record", description="Record the replay test histories."
    )
    parser.add_argument(
        "fixtures", nargs="*", metavar="FIXTURE", help=f"record only these (default: all): {', '.join(FIXTURES)}"
    )
    args = parser.parse_args()
    problem = unknown_fixtures(args.fixtures)
    if problem:
        parser.error(problem)
    for path in asyncio.run(record(only=args.fixtures)):
        print(f"recorded {path}")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
