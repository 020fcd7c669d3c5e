"""A small typed API over the Temporal client for backend services.

Asynchronous operations (Request to Pay, Transfer, Pre-Approval, Invoice,
Cancel Invoice) start a workflow whose id is derived from the caller's
business key, with id policies that make a repeated start attach to the first
operation; they return a :class:`PaymentHandle`. Synchronous ones (account
holder, balance, pre-approval list and cancel) run a short workflow and
return its answer, or raise :class:`OperationFailed` with MoMo's code.

Callers get an answer under faults too: ``status`` and ``result(timeout=...)``
read the state from the Temporal server when no worker answers, within the
caller's time, and ``InvoiceHandle.cancel`` can be repeated after a lost call.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from momoflow import display, tracing, use_cases
from momoflow import search_attributes as sa
from momoflow.contract import (
    CANCEL_UPDATE,
    LEDGER_QUERY,
    RESOLVE_UPDATE,
    STATUS_QUERY,
    AccountBalance,
    AccountHolder,
    DeliveryNotificationResult,
    IdPrefix,
    PreApprovalEntry,
    refund_ledger_id,
)
from momoflow.models import Party, PaymentState, PaymentStatus, PaymentTiming, Product, Resolution, TimingOverrides
from momoflow.operations import (
    CancelInvoiceRequest,
    DeliveryNotificationInput,
    InvoiceRequest,
    PreApprovalRequest,
    RequestToPayRequest,
    RequestToWithdrawRequest,
    TransferRequest,
)
from momoflow.payouts import DepositRequest, RemittanceTransferRequest
from momoflow.refunds import LedgerState, RefundRequest, check_original_key
from momoflow.settings import PaymentDefaults, TemporalSettings
from momoflow.subscription import SubscriptionRequest
from momoflow.temporal import connect
from momoflow.use_cases import UseCase
from momoflow.validation import InvalidRequest, Problem, check_sandbox_currency, describe, validate_key
from starter import deliveries, subscriptions
from workflows.invoice import describe_end

FINGERPRINT_MEMO = "request_fingerprint"
# How long a live ``status`` query may take before the state is read from the server instead.
QUERY_TIMEOUT_S = 2.0
# Operation and product by workflow type, for states read from the server.
_OPERATIONS = {
    use_case.workflow_type: (use_case.operation, use_case.product or Product.COLLECTION)
    for use_case in use_cases.PAYMENTS
}
R = TypeVar("R", bound=BaseModel)


class StartError(ValueError):
    """The request was refused before anything was started; the message names the field."""


class IdempotencyConflict(StartError):
    """The key already belongs to an operation with different details."""


class OperationFailed(Exception):
    """MoMo refused a synchronous operation; ``code`` is MoMo's (e.g. ``NOT_ALLOWED``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"] if part != "request")
        message = str(item["msg"]).removeprefix("Value error, ")
        named = not location or message.split(":")[0] in location.split(".")[-1:]
        problems.append(message if named else f"{location}: {message}")
    return "; ".join(problems)


def parse(model: type[R], value: R | dict[str, Any]) -> R:
    """Decode a request and judge its business rules; raise :class:`StartError` naming each bad field."""
    if isinstance(value, model):
        parsed = value
    else:
        try:
            parsed = model.model_validate(value)
        except ValidationError as exc:
            raise StartError(_describe(exc)) from None
        except InvalidRequest as exc:
            raise StartError(str(exc.message)) from None
    _refuse(parsed.check())  # type: ignore[attr-defined]
    return parsed


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise StartError(describe(problems))


def overrides(timing: PaymentTiming | TimingOverrides | None) -> TimingOverrides:
    """A caller's timing as bounded overrides; the worker decides everything left out."""
    return TimingOverrides.of(timing)


def parse_request_to_pay(request: RequestToPayRequest | dict[str, Any]) -> RequestToPayRequest:
    return parse(RequestToPayRequest, request)


class PaymentHandle:
    """One asynchronous operation, addressed by its workflow id."""

    def __init__(self, handle: WorkflowHandle[Any, PaymentState], ui_url: str | None = None) -> None:
        self._handle = handle
        self.ui_url = ui_url

    @property
    def workflow_id(self) -> str:
        return self._handle.id

    @property
    def raw(self) -> WorkflowHandle[Any, PaymentState]:
        """The underlying Temporal handle, for anything the facade does not cover."""
        return self._handle

    async def status(self, timeout: float = QUERY_TIMEOUT_S) -> PaymentState:
        """The live state, from the workflow's ``status`` query, or from the server when no worker answers.

        The query needs a running worker. When none answers within ``timeout``
        seconds (or the server knows of none), the state is read from Temporal
        alone and marked ``read_from_server``: a finished operation's full result,
        or, while it runs, what its search attributes carry (status, reason,
        reference and external ids, product, financial transaction id). Amount,
        currency, details, history and counters are not on the server: they are
        left empty, never guessed. An operation no worker has started yet reads as
        SUBMITTING with an empty reference id: nothing was sent to MoMo.

        Raises ``RPCError`` when there is no such workflow (``NOT_FOUND``) or the
        Temporal server cannot be reached, and ``WorkflowQueryFailedError`` when
        the worker answers with an error.
        """
        budget = max(timeout, 0.05)
        query = self._handle.query(STATUS_QUERY, result_type=PaymentState, rpc_timeout=timedelta(seconds=budget))
        try:
            # The client may retry a timed-out query: the outer bound keeps the caller's budget.
            return await asyncio.wait_for(query, budget)
        except TimeoutError:
            pass
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise
        return await self._read_from_server()

    async def result(self, timeout: float | None = None) -> PaymentState:
        """The final state; with ``timeout``, the state at the deadline if not final by then.

        With ``timeout`` the call returns within about that many seconds even
        while no worker runs: the last part of the time goes to the ``status``
        query, and without an answer the state is read from the server (see
        :meth:`status`). An operation past its own deadline reports ``UNKNOWN``
        while reconciliation goes on, so callers get a clear answer instead of an
        exception. Raises ``WorkflowFailureError`` if the workflow was terminated
        or failed, and ``RPCError`` as :meth:`status` does.
        """
        if timeout is None:
            return await self._handle.result()
        started = time.monotonic()
        query_budget = min(timeout, max(0.25, min(1.0, timeout / 4)))
        try:
            return await asyncio.wait_for(self._handle.result(), timeout - query_budget)
        except TimeoutError:
            pass
        return await self.status(timeout=timeout - (time.monotonic() - started))

    async def _read_from_server(self) -> PaymentState:
        description = await self._handle.describe()
        if description.status is WorkflowExecutionStatus.COMPLETED:
            final = await self._handle.result()  # read from the history: no worker needed
            return final.model_copy(update={"read_from_server": True})
        return state_from_search_attributes(description)

    async def watch(self, interval: float = 0.5) -> AsyncIterator[PaymentState]:
        """Yield the state each time its status changes, ending with the state it ends in.

        It ends at a final status, or once the workflow has closed whatever its
        status (a reconciliation that ran out ends UNKNOWN): a closed workflow's
        state no longer changes, so waiting on would never end. Raises
        ``WorkflowFailureError`` when the workflow was terminated or failed.
        """
        last: PaymentState | None = None
        while True:
            state = await self.status()
            closed = not state.is_final and await self._closed()
            if closed:
                state = await self._handle.result()  # the state it closed with, read from the history
            if last is None or state.status is not last.status or (closed and state != last):
                last = state
                yield state
            if state.is_final or closed:
                return
            await asyncio.sleep(interval)

    async def _closed(self) -> bool:
        description = await self._handle.describe()
        return description.status is not WorkflowExecutionStatus.RUNNING

    async def resolve(
        self, status: PaymentStatus | str, operator: str, reason: str, financial_transaction_id: str | None = None
    ) -> PaymentState:
        """Settle an UNKNOWN operation by hand; the workflow records who and why.

        Raises :class:`StartError` when the operation is not UNKNOWN or the decision is invalid.
        """
        try:
            resolution = Resolution(
                status=PaymentStatus(status),
                operator=operator,
                reason=reason,
                financial_transaction_id=financial_transaction_id,
            )
        except ValidationError as exc:
            raise StartError(_describe(exc)) from None
        except ValueError as exc:
            raise StartError(f"status: {exc}") from None
        try:
            # The resolved state at once: the workflow stays open and keeps checking MoMo,
            # so its result (with any discrepancy) comes later.
            resolved: PaymentState = await self._handle.execute_update(
                RESOLVE_UPDATE, resolution, result_type=PaymentState
            )
            return resolved
        except WorkflowUpdateFailedError as exc:
            raise StartError(str(exc.cause or exc)) from None


class InvoiceHandle(PaymentHandle):
    @property
    def cancel_update_id(self) -> str:
        """The same for every call, so Temporal attaches a repeated cancel to the first one."""
        return f"{CANCEL_UPDATE}-{self.workflow_id}"

    async def cancel(self) -> PaymentState:
        """Cancel the invoice at MoMo and return the state once the cancellation is final.

        ``details["cancellation_status"]`` says how the cancellation ended; the
        invoice itself ends FAILED with ``TRANSACTION_CANCELED`` when it worked.
        Safe to repeat (after a network error, a timeout, from another process):
        an invoice has one cancellation, and a repeat returns it, also once the
        invoice has ended because of it. Raises :class:`StartError` naming the
        state when the invoice was paid, expired or otherwise ended without a
        cancellation, or does not exist; ``RPCError`` when Temporal cannot be
        reached; ``WorkflowUpdateRPCTimeoutOrCancelledError`` when the call's
        own time ran out (repeat it).
        """
        try:
            cancelled: PaymentState = await self._handle.execute_update(
                CANCEL_UPDATE, id=self.cancel_update_id, result_type=PaymentState
            )
            return cancelled
        except WorkflowUpdateFailedError as exc:
            raise StartError(str(exc.cause or exc)) from None
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
        return await self._cancellation_of_ended_invoice()

    async def _cancellation_of_ended_invoice(self) -> PaymentState:
        """The workflow has ended: its final state holds the cancellation, if there was one."""
        try:
            description = await self._handle.describe()
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise StartError(f"workflow_id: there is no invoice {self.workflow_id!r}") from None
            raise
        if description.status is not WorkflowExecutionStatus.COMPLETED:
            ended = description.status.name if description.status else "UNKNOWN"
            raise StartError(f"status: only an open invoice can be cancelled; its workflow ended {ended}")
        final = await self._handle.result()
        if "cancellation_reference_id" in final.details:
            return final
        raise StartError(f"status: only an open invoice can be cancelled; this one is {describe_end(final)}")


def state_from_search_attributes(description: WorkflowExecutionDescription) -> PaymentState:
    """What the server alone knows of a running operation; nothing else is filled in."""
    attributes = description.typed_search_attributes
    operation, product = _OPERATIONS.get(description.workflow_type, (description.workflow_type, Product.COLLECTION))
    return PaymentState(
        operation=operation,
        product=Product(attributes.get(sa.PRODUCT) or product),
        reference_id=attributes.get(sa.REFERENCE_ID) or "",
        external_id=attributes.get(sa.EXTERNAL_ID),
        status=PaymentStatus(attributes.get(sa.STATUS) or PaymentStatus.SUBMITTING),
        reason=attributes.get(sa.REASON),
        financial_transaction_id=attributes.get(sa.FINANCIAL_TRANSACTION_ID),
        read_from_server=True,
    )


class Momoflow:
    """Entry point for backend services."""

    def __init__(
        self,
        client: Client,
        temporal: TemporalSettings | None = None,
        defaults: PaymentDefaults | None = None,
        ui_base_url: str | None = "http://127.0.0.1:8233",
    ) -> None:
        self.client = client
        self._temporal = temporal or TemporalSettings()
        self._defaults = defaults or PaymentDefaults()
        self._ui = ui_base_url

    @classmethod
    async def connect(cls, temporal: TemporalSettings | None = None, **kwargs: Any) -> Momoflow:
        temporal = temporal or TemporalSettings()
        tracing.configure("starter")  # OTEL_* variables; a provider the host installed is kept
        return cls(await connect(temporal, interceptors=tracing.interceptors()), temporal, **kwargs)

    def ui_url(self, workflow_id: str) -> str | None:
        if not self._ui:
            return None
        return f"{self._ui.rstrip('/')}/namespaces/{self.client.namespace}/workflows/{quote(workflow_id, safe='')}"

    def handle(self, workflow_id: str) -> PaymentHandle:
        return PaymentHandle(
            self.client.get_workflow_handle(workflow_id, result_type=PaymentState), self.ui_url(workflow_id)
        )

    def invoice(self, workflow_id: str) -> InvoiceHandle:
        return InvoiceHandle(
            self.client.get_workflow_handle(workflow_id, result_type=PaymentState), self.ui_url(workflow_id)
        )

    # -- asynchronous operations ------------------------------------------------------------
    # Typed entry points; each starts its use case's record (momoflow/use_cases.py) through
    # ``_start_payment``.

    async def request_to_pay(
        self,
        request: RequestToPayRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Collect money from a customer. ``key`` defaults to the external id."""
        return self.handle(await self._start_payment(use_cases.REQUEST_TO_PAY, request, key, timing))

    async def request_to_withdraw(
        self,
        request: RequestToWithdrawRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Cash money out of a customer's wallet, once the customer authorises it. ``key`` defaults to the external id."""
        return self.handle(await self._start_payment(use_cases.REQUEST_TO_WITHDRAW, request, key, timing))

    async def notify_delivery(
        self,
        payment_key: str,
        message: str,
        *,
        note_key: str | None = None,
        language: str | None = None,
        timeout: float | None = None,
    ) -> DeliveryNotificationResult:
        """Send the payer of the SUCCESSFUL Request to Pay ``rtp-<payment_key>`` a note (e.g. a receipt number).

        One note per ``note_key`` (by default derived from the message and language): repeating
        the call returns the first outcome and sends nothing; the same key with another message
        raises :class:`IdempotencyConflict`. Raises :class:`StartError` for a bad note and
        :class:`OperationFailed` when refused (``PAYMENT_NOT_SUCCESSFUL`` names the payment's state;
        MoMo's ``NOT_COMPLETED``, ``NOTIFICATION_EXPIRED``, …).
        """
        try:
            payment_id = f"{IdPrefix.REQUEST_TO_PAY}-{validate_key(payment_key)}"
        except ValueError as exc:
            raise StartError(f"payment_{exc}") from None
        inp = parse(
            DeliveryNotificationInput, {"payment_workflow_id": payment_id, "message": message, "language": language}
        )
        try:
            note = deliveries.note_key(inp, note_key)
        except ValueError as exc:
            raise StartError(str(exc)) from None
        workflow_id = await self._start(use_cases.DELIVERY_NOTIFICATION, f"{payment_id}-{note}", inp, inp)
        handle = self.client.get_workflow_handle(workflow_id, result_type=DeliveryNotificationResult)
        try:
            return await asyncio.wait_for(handle.result(), timeout)
        except WorkflowFailureError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError):
                raise OperationFailed(cause.type or "FAILED", cause.message) from None
            raise

    async def transfer(
        self,
        request: TransferRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Pay money out to a customer. ``key`` defaults to the external id."""
        return self.handle(await self._start_payment(use_cases.TRANSFER, request, key, timing))

    async def deposit(
        self,
        request: DepositRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Deposit money into a customer's wallet (disbursement). ``key`` defaults to the external id.

        A SUCCESSFUL deposit may carry no financial transaction id: MTN's sandbox leaves it out.
        """
        return self.handle(await self._start_payment(use_cases.DEPOSIT, request, key, timing))

    async def remittance_transfer(
        self,
        request: RemittanceTransferRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Send money to a customer through the remittance product. ``key`` defaults to the external id."""
        return self.handle(await self._start_payment(use_cases.REMITTANCE_TRANSFER, request, key, timing))

    async def pre_approval(
        self,
        request: PreApprovalRequest | dict[str, Any],
        *,
        key: str,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Ask a customer to allow future debits. ``key`` is yours (e.g. a subscription id)."""
        return self.handle(await self._start_payment(use_cases.PRE_APPROVAL, request, key, timing))

    async def create_invoice(
        self,
        request: InvoiceRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> InvoiceHandle:
        """Create an invoice and follow it until paid, expired or cancelled."""
        return self.invoice(await self._start_payment(use_cases.INVOICE, request, key, timing))

    async def cancel_invoice(
        self,
        request: CancelInvoiceRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Cancel an invoice created elsewhere. For momoflow's own invoices use ``InvoiceHandle.cancel``."""
        return self.handle(await self._start_payment(use_cases.CANCEL_INVOICE, request, key, timing))

    async def refund(
        self,
        request: RefundRequest | dict[str, Any],
        *,
        key: str,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> PaymentHandle:
        """Give all or part of a SUCCESSFUL Request to Pay or invoice payment back to its payer.

        ``request["original_key"]`` is the payment's workflow id (``rtp-ORDER-1``,
        ``invoice-INV-7``); ``key`` is yours, one per refund (a repeat attaches to the first).
        The refund first claims its amount on the payment's ledger; a payment that is not
        SUCCESSFUL, another currency or more than what is left ends the refund FAILED with the
        reason, before anything is sent to MoMo. Bad input raises :class:`StartError` first.
        """
        return self.handle(await self._start_payment(use_cases.REFUND, request, key, timing))

    async def refund_ledger(self, original_key: str) -> LedgerState:
        """Every refund claim on the payment ``original_key`` with its amount and state.

        An empty ledger when the payment was never refunded. Needs a running worker (a query).
        """
        try:
            check_original_key(original_key)
        except ValueError as exc:
            raise StartError(str(exc)) from None
        handle = self.client.get_workflow_handle(refund_ledger_id(original_key))
        try:
            ledger: LedgerState = await handle.query(
                LEDGER_QUERY, result_type=LedgerState, rpc_timeout=timedelta(seconds=10)
            )
            return ledger
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                return LedgerState()
            raise

    # -- synchronous operations -------------------------------------------------------------

    async def validate_account_holder(
        self, party: Party | dict[str, Any], *, product: Product | str = Product.COLLECTION, basic_info: bool = False
    ) -> AccountHolder:
        """Whether the party is a MoMo customer who can receive money (names if ``basic_info``)."""
        holder: AccountHolder = await self._lookup(
            use_cases.VALIDATE_ACCOUNT_HOLDER, {"party": party, "product": product, "basic_info": basic_info}
        )
        return holder

    async def get_balance(
        self, *, product: Product | str = Product.COLLECTION, currency: str | None = None
    ) -> AccountBalance:
        balance: AccountBalance = await self._lookup(
            use_cases.GET_BALANCE, {"product": product, "currency": currency}, product_in_id=True
        )
        return balance

    async def list_pre_approvals(self, party: Party | dict[str, Any]) -> list[PreApprovalEntry]:
        entries: list[PreApprovalEntry] = await self._lookup(use_cases.LIST_PRE_APPROVALS, {"party": party})
        return entries

    async def cancel_pre_approval(self, pre_approval_id: str) -> bool:
        cancelled: bool = await self._lookup(use_cases.CANCEL_PRE_APPROVAL, {"pre_approval_id": pre_approval_id})
        return cancelled

    # -- subscriptions (recurring debits on a pre-approval; see starter/subscriptions.py) ----

    async def subscribe(
        self,
        request: dict[str, Any],
        *,
        pre_approval_key: str | None = None,
        timing: PaymentTiming | TimingOverrides | None = None,
    ) -> subscriptions.SubscriptionView:
        """Collect ``amount`` every period under an APPROVED pre-approval, as a Temporal Schedule.

        The mandate is ``request["pre_approval_id"]``, or the PreApproval workflow started with
        ``pre_approval_key``. Raises :class:`StartError` naming the field when the request is
        bad or MoMo does not list the mandate as APPROVED for this payer and currency, and
        :class:`IdempotencyConflict` when the id belongs to another subscription. Repeating the
        same call returns the existing subscription.
        """
        request = dict(request)
        if pre_approval_key is not None:
            request["pre_approval_id"] = await self._approved_pre_approval(pre_approval_key)
        parsed = parse(SubscriptionRequest, request)
        self._environment_rules(parsed.currency)
        inp = parsed.debit_input(overrides(timing))
        _refuse(inp.check())
        listed = {entry.pre_approval_id.lower(): entry for entry in await self.list_pre_approvals(parsed.payer)}
        entry = listed.get(parsed.pre_approval_id)
        if entry is None or entry.status != "APPROVED":
            found = "is not among the payer's pre-approvals" if entry is None else f"is {entry.status}"
            raise StartError(f"pre_approval_id: the pre-approval {found}; a subscription needs an APPROVED one")
        if entry.currency and entry.currency != parsed.currency:
            raise StartError(f"currency: the pre-approval is for {entry.currency}, not {parsed.currency}")
        try:
            await subscriptions.create(self.client, parsed, self._temporal.task_queue, overrides(timing))
        except ValueError as exc:
            raise IdempotencyConflict(str(exc)) from None
        return await subscriptions.show(self.client, parsed.subscription_id)

    async def subscription(self, subscription_id: str) -> subscriptions.SubscriptionView:
        """The subscription's timetable and state; ``RPCError`` NOT_FOUND if there is none."""
        return await subscriptions.show(self.client, subscription_id)

    async def _approved_pre_approval(self, key: str) -> str:
        """The pre-approval id of the PreApproval workflow ``preapproval-<key>``, if it was approved."""
        try:
            state = await self.handle(f"preapproval-{validate_key(key)}").result(timeout=5)
        except ValueError as exc:
            raise StartError(f"pre_approval_key: {str(exc).partition(': ')[2]}") from None
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise StartError(f"pre_approval_key: there is no pre-approval with key {key!r}") from None
            raise
        if state.status is not PaymentStatus.SUCCESSFUL:
            raise StartError(f"pre_approval_key: the pre-approval is {state.status.value}, not approved")
        return state.reference_id

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _admissible(inp: R) -> R:
        """The same judgement the worker makes at the start (e.g. a deadline past an invoice's validity)."""
        _refuse([Problem(p.field.removeprefix("request."), p.rule) for p in inp.check()])  # type: ignore[attr-defined]
        return inp

    def _environment_rules(self, currency: str | None) -> None:
        try:
            check_sandbox_currency(currency, self._defaults.target_environment)
        except ValueError as exc:
            raise StartError(str(exc)) from None

    async def _start_payment(
        self, use_case: UseCase, request: Any, key: str | None, timing: PaymentTiming | TimingOverrides | None
    ) -> str:
        """Judge the request as the worker will, then start the use case's workflow once per key."""
        assert use_case.request_model is not None, use_case.name
        parsed = parse(use_case.request_model, request)
        self._environment_rules(getattr(parsed, "currency", None))
        inp = self._admissible(use_case.input_model(request=parsed, timing=overrides(timing)))
        if not key and use_case.key_field:
            key = getattr(parsed, use_case.key_field)
        return await self._start(use_case, key or "", parsed, inp)

    async def _start(self, use_case: UseCase, key: str, request: BaseModel, inp: BaseModel) -> str:
        try:
            business_key = validate_key(key)
        except ValueError as exc:
            raise StartError(str(exc)) from None
        workflow_id = f"{use_case.id_prefix}-{business_key}"
        fingerprint = request.fingerprint()  # type: ignore[attr-defined]
        try:
            handle = await self.client.start_workflow(
                use_case.workflow_type,
                inp,
                id=workflow_id,
                task_queue=self._temporal.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                memo={FINGERPRINT_MEMO: fingerprint},
                static_summary=display.request_summary(request),
            )
        except WorkflowAlreadyStartedError:
            handle = self.client.get_workflow_handle(workflow_id)  # finished earlier: the first one stands
        if _created_by(handle):
            return workflow_id  # this call started the run: the memo is the one just sent
        # The memo is read from the server, so this works while no worker is running.
        memo = await (await handle.describe()).memo()
        if memo.get(FINGERPRINT_MEMO) not in (None, fingerprint):
            raise IdempotencyConflict(
                f"key: {business_key!r} already belongs to an operation with different details; use a new key"
            )
        return workflow_id

    async def _lookup(self, use_case: UseCase, query: dict[str, Any], *, product_in_id: bool = False) -> Any:
        """Judge the query, run the use case's short workflow and return MoMo's answer."""
        arg = parse(use_case.input_model, query)
        self._environment_rules(getattr(arg, "currency", None))
        # Lookups carry no business key; a random id keeps parties out of ids.
        prefix = use_case.id_prefix
        if product_in_id:
            prefix = f"{prefix}-{arg.product.value}"  # type: ignore[attr-defined]
        try:
            return await self.client.execute_workflow(
                use_case.workflow_type,
                arg,
                id=f"{prefix}-{uuid.uuid4()}",
                task_queue=self._temporal.task_queue,
                result_type=use_case.result_model,
                static_summary=display.request_summary(arg),
            )
        except WorkflowFailureError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError):
                raise OperationFailed(cause.type or "FAILED", cause.message) from None
            raise


def _created_by(handle: WorkflowHandle[Any, Any]) -> bool:
    """Whether the start call that returned ``handle`` created the run (rather than found it).

    The server says so in its start response (``started``), which the SDK keeps on the
    handle but does not publish; without it, the caller describes the run instead.
    """
    response = getattr(handle, "_start_workflow_response", None)
    return bool(getattr(response, "started", False))
