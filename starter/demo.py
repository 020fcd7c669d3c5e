"""``python -m starter demo``: every use case against a running stack, expected vs actual.

Runs against ``make run`` (the sandbox): each scenario uses one of the
sandbox's documented test values or an ordinary customer, all concurrently,
then prints a table and exits non-zero if any outcome differs from what MTN
documents for that scenario.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from momoflow.models import PaymentState, PaymentStatus, PaymentTiming
from starter.facade import Momoflow, OperationFailed, StartError

TIMING = PaymentTiming(callback_timeout_s=20, poll_interval_s=2, deadline_s=45)


@dataclass
class Row:
    use_case: str
    scenario: str
    expected: str
    actual: str = "?"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.actual == self.expected


def outcome(state: PaymentState) -> str:
    return state.status.value + (f" {state.reason}" if state.status is PaymentStatus.FAILED and state.reason else "")


def _msisdn(party_id: str) -> dict[str, str]:
    return {"party_id_type": "MSISDN", "party_id": party_id}


class Demo:
    def __init__(self, momoflow: Momoflow) -> None:
        self.m = momoflow
        self.run = uuid.uuid4().hex[:6].upper()
        self._count = 0

    def key(self, label: str) -> str:
        self._count += 1
        return f"DEMO-{self.run}-{self._count}-{label}"

    @staticmethod
    def customer() -> str:
        """An ordinary customer: any number that is not a sandbox test value."""
        return f"2567{random.randint(10_000_000, 99_999_999)}"

    # -- Request to Pay -------------------------------------------------------------------------

    async def request_to_pay(self, payer: str, currency: str = "EUR") -> PaymentState:
        request = {"amount": "500", "currency": currency, "payer": _msisdn(payer), "external_id": self.key("RTP")}
        return await (await self.m.request_to_pay(request, timing=TIMING)).result()

    async def unknown_then_resolved(self) -> str:
        request = {"amount": "75", "currency": "EUR", "payer": _msisdn("46733123453"), "external_id": self.key("RTP")}
        timing = TIMING.model_copy(update={"callback_timeout_s": 3, "deadline_s": 6})
        payment = await self.m.request_to_pay(request, timing=timing)
        seen = await payment.result(timeout=20)
        if seen.status is not PaymentStatus.UNKNOWN:
            return outcome(seen)
        final = await payment.resolve("FAILED", operator="demo", reason="customer never answered; checked with MTN")
        return f"UNKNOWN, then {outcome(final)}"

    async def pre_approved_debit(self) -> PaymentState:
        payer = self.customer()
        approval = await self.m.pre_approval(
            {"payer": _msisdn(payer), "currency": "EUR", "validity_s": 3600}, key=self.key("PRE"), timing=TIMING
        )
        await approval.result()
        return await self.request_to_pay(payer)

    # -- Request to Withdraw, Delivery Notification --------------------------------------------

    async def request_to_withdraw(self, payer: str) -> PaymentState:
        request = {"amount": "60", "currency": "EUR", "payer": _msisdn(payer), "external_id": self.key("WDR")}
        return await (await self.m.request_to_withdraw(request, timing=TIMING)).result()

    async def notify(self, payer: str | None = None, *, twice: bool = False, paid: bool = True) -> tuple[str, str]:
        """A note on a Request to Pay (an unknown one unless ``paid``); ``twice`` sends the same note again."""
        key = self.key("RTP")
        if paid:
            request = {
                "amount": "12",
                "currency": "EUR",
                "payer": _msisdn(payer or self.customer()),
                "external_id": key,
            }
            await (await self.m.request_to_pay(request, timing=TIMING)).result()
        try:
            sent = await self.m.notify_delivery(key, f"Receipt {key}", language="en")
            if twice:
                again = await self.m.notify_delivery(key, f"Receipt {key}", language="en")
                return ("sent once" if again == sent else "sent twice"), f"workflow notify-{sent.payment_workflow_id}-…"
        except OperationFailed as exc:
            return f"refused {exc.code}", exc.message
        return "sent", f"to the payer of {sent.payment_workflow_id}"

    # -- Pre-Approval ---------------------------------------------------------------------------

    async def pre_approval(self, payer: str) -> PaymentState:
        request = {"payer": _msisdn(payer), "currency": "EUR", "validity_s": 3600, "payer_message": "Monthly plan"}
        return await (await self.m.pre_approval(request, key=self.key("PRE"), timing=TIMING)).result()

    async def pre_approval_lifecycle(self) -> list[tuple[str, str, str]]:
        """Approve, list, cancel, list again, cancel again: (scenario, expected, actual) each."""
        payer = self.customer()
        approved = await self.pre_approval(payer)
        steps = [("customer approves", "SUCCESSFUL", outcome(approved))]
        listed = await self.m.list_pre_approvals(_msisdn(payer))
        steps.append(("list the payer's pre-approvals", "APPROVED", ",".join(e.status for e in listed)))
        steps.append(
            (
                "cancel the approved one",
                "cancelled",
                await _refusal_or(self.m.cancel_pre_approval(approved.reference_id), "cancelled"),
            )
        )
        listed = await self.m.list_pre_approvals(_msisdn(payer))
        steps.append(("list again", "CANCELLED", ",".join(e.status for e in listed)))
        steps.append(
            (
                "cancel it again",
                "refused NOT_ALLOWED",
                await _refusal_or(self.m.cancel_pre_approval(approved.reference_id), "cancelled"),
            )
        )
        return steps

    # -- Transfer -------------------------------------------------------------------------------

    async def transfer(self, payee: str, amount: str = "100", **checks: bool) -> PaymentState:
        request = {
            "amount": amount,
            "currency": "EUR",
            "payee": _msisdn(payee),
            "external_id": self.key("TRF"),
            **checks,
        }
        return await (await self.m.transfer(request, timing=TIMING)).result()

    # -- Deposit, Remittance transfer ------------------------------------------------------------

    async def deposit(self, payee: str, amount: str = "100") -> PaymentState:
        request = {"amount": amount, "currency": "EUR", "payee": _msisdn(payee), "external_id": self.key("DEP")}
        return await (await self.m.deposit(request, timing=TIMING)).result()

    async def remittance_transfer(self, payee: str, amount: str = "100") -> PaymentState:
        request = {"amount": amount, "currency": "EUR", "payee": _msisdn(payee), "external_id": self.key("REM")}
        return await (await self.m.remittance_transfer(request, timing=TIMING)).result()

    # -- Refund --------------------------------------------------------------------------------

    async def refund(self, over: bool = False) -> PaymentState:
        """A paid Request to Pay of 500 refunded 300, then (``over``) 300 again: more than is left."""
        paid = await self.m.request_to_pay(
            {"amount": "500", "currency": "EUR", "payer": _msisdn(self.customer()), "external_id": self.key("RTP")},
            timing=TIMING,
        )
        await paid.result()
        state = None
        for _ in range(2 if over else 1):
            key = self.key("REFUND")
            request = {"original_key": paid.workflow_id, "amount": "300", "currency": "EUR", "external_id": key}
            state = await (await self.m.refund(request, key=key, timing=TIMING)).result()
        assert state is not None
        return state

    # -- Validate Account Holder, Get Balance -------------------------------------------------

    async def account_holder(self, party: dict[str, str]) -> str:
        try:
            holder = await self.m.validate_account_holder(party)
        except OperationFailed as exc:
            return f"refused {exc.code}"
        return "active" if holder.active else ("not active" if holder.found else "not found")

    async def balance(self, product: str, currency: str | None = None) -> tuple[str, str]:
        try:
            balance = await self.m.get_balance(product=product, currency=currency)
        except OperationFailed as exc:
            return f"refused {exc.code}", ""
        return f"{balance.currency} balance", f"{balance.available_balance} {balance.currency}"

    # -- Invoice, Cancel Invoice ----------------------------------------------------------------

    def _invoice_request(self, payer: str, validity_s: int = 3600) -> dict[str, Any]:
        return {
            "amount": "1200",
            "currency": "EUR",
            "intended_payer": _msisdn(payer),
            "payee": _msisdn("46733000001"),
            "external_id": self.key("INV"),
            "validity_s": validity_s,
            "description": "Demo invoice",
        }

    async def invoice_paid(self) -> PaymentState:
        return await (await self.m.create_invoice(self._invoice_request(self.customer()), timing=TIMING)).result()

    async def invoice_expires(self) -> PaymentState:
        timing = TIMING.model_copy(update={"callback_timeout_s": 10})
        return await (
            await self.m.create_invoice(self._invoice_request("46733123453", validity_s=3), timing=timing)
        ).result()

    async def invoice_cancelled(self) -> PaymentState:
        invoice = await self.m.create_invoice(self._invoice_request("46733123453"), timing=TIMING)
        await _until_open(invoice.status)
        await invoice.cancel()
        return await invoice.result()

    async def cancel_elsewhere(self, paid_first: bool) -> PaymentState:
        payer = self.customer() if paid_first else "46733123453"
        invoice = await self.m.create_invoice(self._invoice_request(payer), timing=TIMING)
        state = await (invoice.result() if paid_first else _until_open(invoice.status))
        cancel = await self.m.cancel_invoice(
            {"invoice_reference_id": state.reference_id, "external_id": state.external_id}, timing=TIMING
        )
        return await cancel.result()

    async def cancel_unknown_invoice(self) -> PaymentState:
        cancel = await self.m.cancel_invoice(
            {"invoice_reference_id": str(uuid.uuid4()), "external_id": self.key("GONE")}, timing=TIMING
        )
        return await cancel.result()


async def _until_open(status: Callable[[], Awaitable[PaymentState]]) -> PaymentState:
    for _ in range(200):
        state = await status()
        if state.status is PaymentStatus.PENDING:
            return state
        await asyncio.sleep(0.1)
    return state


async def _refusal_or(call: Awaitable[Any], success: str) -> str:
    try:
        await call
    except OperationFailed as exc:
        return f"refused {exc.code}"
    return success


def scenarios(demo: Demo) -> list[tuple[Row, Callable[[], Awaitable[Any]]]]:
    """Each row with the coroutine that fills it in."""
    rows: list[tuple[Row, Callable[[], Awaitable[Any]]]] = []

    def add(use_case: str, scenario: str, expected: str, run: Callable[[], Awaitable[Any]]) -> None:
        rows.append((Row(use_case, scenario, expected), run))

    rtp = "Request to Pay"
    add(rtp, "customer approves", "SUCCESSFUL", lambda: demo.request_to_pay(demo.customer()))
    add(rtp, "46733123450 (Failed)", "FAILED INTERNAL_PROCESSING_ERROR", lambda: demo.request_to_pay("46733123450"))
    add(rtp, "46733123451 (Rejected)", "FAILED APPROVAL_REJECTED", lambda: demo.request_to_pay("46733123451"))
    add(rtp, "46733123452 (Expired)", "FAILED EXPIRED", lambda: demo.request_to_pay("46733123452"))
    add(rtp, "46733123454 (Delayed)", "SUCCESSFUL", lambda: demo.request_to_pay("46733123454"))
    add(rtp, "46733123455 (NotFound)", "FAILED PAYER_NOT_FOUND", lambda: demo.request_to_pay("46733123455"))
    add(rtp, "46733123460 (InvalidCurrency)", "FAILED INVALID_CURRENCY", lambda: demo.request_to_pay("46733123460"))
    add(rtp, "XOF against the sandbox", "refused before start", lambda: demo.request_to_pay(demo.customer(), "XOF"))
    add(
        rtp,
        "46733123453 (Ongoing) past its deadline",
        "UNKNOWN, then FAILED RESOLVED_BY_OPERATOR",
        demo.unknown_then_resolved,
    )
    add(rtp, "payer with an active pre-approval", "SUCCESSFUL", demo.pre_approved_debit)

    wdr = "Request to Withdraw"
    add(wdr, "customer authorises", "SUCCESSFUL", lambda: demo.request_to_withdraw(demo.customer()))
    add(wdr, "46733123451 (Rejected)", "FAILED APPROVAL_REJECTED", lambda: demo.request_to_withdraw("46733123451"))
    add(wdr, "46733123452 (Expired)", "FAILED EXPIRED", lambda: demo.request_to_withdraw("46733123452"))
    add(wdr, "46733123455 (NotFound)", "FAILED PAYER_NOT_FOUND", lambda: demo.request_to_withdraw("46733123455"))

    dn = "Delivery Notification"
    add(dn, "receipt for a paid Request to Pay", "sent", demo.notify)
    add(dn, "the same note asked for twice", "sent once", lambda: demo.notify(twice=True))
    add(
        dn,
        "Request to Pay 46733123451 (Rejected)",
        "refused PAYMENT_NOT_SUCCESSFUL",
        lambda: demo.notify("46733123451"),
    )
    add(dn, "no such Request to Pay", "refused PAYMENT_NOT_FOUND", lambda: demo.notify(paid=False))

    pre = "Pre-Approval"
    add(pre, "46733123451 (Rejected)", "FAILED APPROVAL_REJECTED", lambda: demo.pre_approval("46733123451"))
    add(pre, "46733123452 (Expired)", "FAILED EXPIRED", lambda: demo.pre_approval("46733123452"))
    add(pre, "46733123455 (NotFound)", "FAILED PAYER_NOT_FOUND", lambda: demo.pre_approval("46733123455"))

    trf = "Transfer"
    add(trf, "ordinary payee", "SUCCESSFUL", lambda: demo.transfer(demo.customer()))
    add(trf, "46733123450 (Failed)", "FAILED INTERNAL_PROCESSING_ERROR", lambda: demo.transfer("46733123450"))
    add(trf, "46733123455 (NotEnoughFunds)", "FAILED NOT_ENOUGH_FUNDS", lambda: demo.transfer("46733123455"))
    add(trf, "46733123457 (NotFound)", "FAILED PAYEE_NOT_FOUND", lambda: demo.transfer("46733123457"))
    add(trf, "46733123458 (NotAllowed)", "FAILED NOT_ALLOWED", lambda: demo.transfer("46733123458"))
    add(
        trf,
        "pre-check: payee not active",
        "FAILED PRECHECK_PAYEE_NOT_ACTIVE",
        lambda: demo.transfer("46733123451", check_payee=True),
    )
    add(
        trf,
        "pre-check: payee unknown",
        "FAILED PRECHECK_PAYEE_NOT_FOUND",
        lambda: demo.transfer("46733123450", check_payee=True),
    )
    add(
        trf,
        "pre-check: balance too low",
        "FAILED PRECHECK_INSUFFICIENT_BALANCE",
        lambda: demo.transfer(demo.customer(), "99999999", check_balance=True),
    )
    add(
        trf,
        "pre-checks pass",
        "SUCCESSFUL",
        lambda: demo.transfer(demo.customer(), check_payee=True, check_balance=True),
    )

    dep = "Deposit"
    add(dep, "ordinary payee", "SUCCESSFUL", lambda: demo.deposit(demo.customer()))
    add(dep, "46733123450 (Failed)", "FAILED INTERNAL_PROCESSING_ERROR", lambda: demo.deposit("46733123450"))
    add(dep, "46733123451 (Rejected)", "FAILED APPROVAL_REJECTED", lambda: demo.deposit("46733123451"))
    add(dep, "46733123452 (Expired)", "FAILED EXPIRED", lambda: demo.deposit("46733123452"))
    add(dep, "46733123455 (NotFound)", "FAILED PAYEE_NOT_FOUND", lambda: demo.deposit("46733123455"))
    add(
        dep,
        "46733123456 (PayeeNotAllowedToReceive)",
        "FAILED PAYEE_NOT_ALLOWED_TO_RECEIVE",
        lambda: demo.deposit("46733123456"),
    )

    rem = "Remittance transfer"
    add(rem, "ordinary payee", "SUCCESSFUL", lambda: demo.remittance_transfer(demo.customer()))
    add(
        rem, "46733123450 (Failed)", "FAILED INTERNAL_PROCESSING_ERROR", lambda: demo.remittance_transfer("46733123450")
    )
    add(rem, "46733123455 (NotEnoughFunds)", "FAILED NOT_ENOUGH_FUNDS", lambda: demo.remittance_transfer("46733123455"))
    add(
        rem,
        "46733123456 (PayerLimitReached)",
        "FAILED PAYER_LIMIT_REACHED",
        lambda: demo.remittance_transfer("46733123456"),
    )
    add(rem, "46733123457 (NotFound)", "FAILED PAYEE_NOT_FOUND", lambda: demo.remittance_transfer("46733123457"))

    ref = "Refund"
    add(ref, "part of a paid Request to Pay", "SUCCESSFUL", demo.refund)
    add(ref, "more than is left of it", "FAILED REFUND_EXCEEDS_REFUNDABLE", lambda: demo.refund(over=True))

    vah = "Validate Account Holder"
    add(vah, "ordinary customer", "active", lambda: demo.account_holder(_msisdn(demo.customer())))
    add(vah, "46733123451 (NotActive)", "not active", lambda: demo.account_holder(_msisdn("46733123451")))
    add(vah, "46733123450 (NotFound)", "not found", lambda: demo.account_holder(_msisdn("46733123450")))
    add(vah, "46733123452 (NotAllowed)", "refused NOT_ALLOWED", lambda: demo.account_holder(_msisdn("46733123452")))
    add(
        vah,
        "notactive@email.com",
        "not active",
        lambda: demo.account_holder({"party_id_type": "EMAIL", "party_id": "notactive@email.com"}),
    )

    bal = "Get Balance"
    add(bal, "collection account", "EUR balance", lambda: demo.balance("collection"))
    add(bal, "disbursement account in EUR", "EUR balance", lambda: demo.balance("disbursement", "EUR"))
    add(bal, "disbursement account in XOF", "refused before start", lambda: demo.balance("disbursement", "XOF"))

    inv = "Invoice"
    add(inv, "intended payer pays", "SUCCESSFUL", demo.invoice_paid)
    add(inv, "nobody pays before expiry", "FAILED EXPIRED", demo.invoice_expires)
    add(inv, "cancelled while open", "FAILED TRANSACTION_CANCELED", demo.invoice_cancelled)

    cnl = "Cancel Invoice"
    add(cnl, "open invoice created elsewhere", "SUCCESSFUL", lambda: demo.cancel_elsewhere(paid_first=False))
    add(cnl, "invoice already paid", "FAILED NOT_ALLOWED", lambda: demo.cancel_elsewhere(paid_first=True))
    add(cnl, "unknown invoice", "FAILED RESOURCE_NOT_FOUND", demo.cancel_unknown_invoice)
    return rows


async def _fill(row: Row, run: Callable[[], Awaitable[Any]]) -> None:
    try:
        result = await asyncio.wait_for(run(), 120)
    except StartError as exc:
        row.actual, row.detail = "refused before start", str(exc)
        return
    except OperationFailed as exc:
        row.actual = f"error: {exc}"
        return
    except TimeoutError:
        row.actual = "no answer in 120 s"
        return
    except Exception as exc:  # one broken scenario must not hide the others
        row.actual = f"error: {type(exc).__name__}: {exc}"
        return
    if isinstance(result, PaymentState):
        row.actual = outcome(result)
        row.detail = result.details.get("payment_reference", "") or result.details.get("expiration_date_time", "")
        if result.details.get("payment_reference"):
            row.detail = f"paymentReference {row.detail}"
    elif isinstance(result, tuple):
        row.actual, row.detail = result
    else:
        row.actual = str(result)


def print_table(rows: list[Row]) -> None:
    headers = ("use case", "scenario", "expected", "actual", "")
    table = [(r.use_case, r.scenario, r.expected, r.actual, "ok" if r.ok else "DIFFERS") for r in rows]
    widths = [max(len(str(line[i])) for line in [headers, *table]) for i in range(len(headers))]
    for line in [headers, tuple("-" * w for w in widths), *table]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    details = [r for r in rows if r.detail]
    for row in details:
        print(f"  {row.use_case} / {row.scenario}: {row.detail}")


def _progress_line(done: int, total: int, row: Row) -> str:
    mark = "ok" if row.ok else "DIFFERS"
    return f"  [{done:>2}/{total}] {row.use_case} / {row.scenario}: {row.actual} ({mark})"


async def run_demo(momoflow: Momoflow, as_json: bool = False) -> int:
    """Exit 0 when every scenario ends as expected; ``as_json`` prints the rows as one JSON document."""
    demo = Demo(momoflow)
    planned = scenarios(demo)
    lifecycle_rows: list[Row] = []
    total = len(planned) + 5
    done = 0
    # A line per finished scenario: to people on stdout, beside the JSON document on stderr.
    progress = sys.stderr if as_json else sys.stdout

    def report(*rows: Row) -> None:
        nonlocal done
        for row in rows:
            done += 1
            print(_progress_line(done, total, row), file=progress, flush=True)

    async def fill(row: Row, run: Callable[[], Awaitable[Any]]) -> None:
        await _fill(row, run)
        report(row)

    async def lifecycle() -> None:
        try:
            steps = await demo.pre_approval_lifecycle()
        except Exception as exc:  # shown as a failed row, like any other scenario
            steps = [("approve, list, cancel", "cancelled", f"error: {type(exc).__name__}: {exc}")]
        for scenario, expected, actual in steps:
            lifecycle_rows.append(Row("Pre-Approval", scenario, expected, actual))
        report(*lifecycle_rows)

    print(f"Running {total} scenarios across every use case…", file=progress, flush=True)
    await asyncio.gather(*(fill(row, run) for row, run in planned), lifecycle())
    rows = [row for row, _ in planned]
    first_pre = next(i for i, row in enumerate(rows) if row.use_case == "Pre-Approval")
    rows[first_pre:first_pre] = lifecycle_rows
    failed = [row for row in rows if not row.ok]
    if as_json:
        fields = ("use_case", "scenario", "expected", "actual", "detail", "ok")
        body = [{name: getattr(row, name) for name in fields} for row in rows]
        print(json.dumps({"as_expected": len(rows) - len(failed), "total": len(rows), "rows": body}), flush=True)
    else:
        print()
        print_table(rows)
        print(f"\n{len(rows) - len(failed)} of {len(rows)} scenarios as expected.")
    return 1 if failed else 0
