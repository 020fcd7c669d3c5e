"""A small typed API over the Temporal client for backend services.

``Momoflow.request_to_pay`` validates the request, derives the workflow id
from the caller's business key and starts the workflow with id policies that
make a repeated start attach to the first payment. ``PaymentHandle`` reads the
live state and waits for the outcome, with or without a deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from momoflow.models import (
    STATUS_QUERY,
    PaymentState,
    PaymentStatus,
    PaymentTiming,
    RequestToPayInput,
    RequestToPayRequest,
    Resolution,
    validate_key,
)
from momoflow.settings import PaymentDefaults, TemporalSettings
from momoflow.temporal import connect
from workflows.request_to_pay import RequestToPayWorkflow


FINGERPRINT_MEMO = "request_fingerprint"


class StartError(ValueError):
    """The request was refused before anything was started; the message names the field."""


class IdempotencyConflict(StartError):
    """The key already belongs to a payment with different details."""


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "request"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(message if message.split(":")[0] in location or not item["loc"] else f"{location}: {message}")
    return "; ".join(problems)


def parse_request_to_pay(request: RequestToPayRequest | dict[str, Any]) -> RequestToPayRequest:
    """Validate a request; raise :class:`StartError` naming each bad field."""
    if isinstance(request, RequestToPayRequest):
        return request
    try:
        return RequestToPayRequest.model_validate(request)
    except ValidationError as exc:
        raise StartError(_describe(exc)) from None


def default_timing(defaults: PaymentDefaults) -> PaymentTiming:
    return PaymentTiming(
        callback_timeout_s=defaults.callback_timeout_s,
        poll_interval_s=defaults.poll_interval_s,
        deadline_s=defaults.deadline_s,
    )


class PaymentHandle:
    """One payment, addressed by its workflow id."""

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

    async def status(self) -> PaymentState:
        """The live state, from the workflow's ``status`` query."""
        return await self._handle.query(STATUS_QUERY, result_type=PaymentState)

    async def result(self, timeout: float | None = None) -> PaymentState:
        """The final state; with ``timeout``, the state at the deadline if not final by then.

        A payment past its own deadline reports ``UNKNOWN`` while reconciliation
        goes on, so callers get a clear answer instead of an exception.
        """
        if timeout is None:
            return await self._handle.result()
        try:
            return await asyncio.wait_for(self._handle.result(), timeout)
        except TimeoutError:
            return await self.status()

    async def watch(self, interval: float = 0.5) -> AsyncIterator[PaymentState]:
        """Yield the state each time its status changes, ending with the final state."""
        last: PaymentStatus | None = None
        while True:
            state = await self.status()
            if state.status is not last:
                last = state.status
                yield state
            if state.is_final:
                return
            await asyncio.sleep(interval)

    async def resolve(self, status: PaymentStatus | str, operator: str, reason: str, financial_transaction_id: str | None = None) -> PaymentState:
        """Settle an UNKNOWN payment by hand; the workflow records who and why."""
        try:
            resolution = Resolution(
                status=PaymentStatus(status),
                operator=operator,
                reason=reason,
                financial_transaction_id=financial_transaction_id,
            )
        except (ValidationError, ValueError) as exc:
            raise StartError(_describe(exc) if isinstance(exc, ValidationError) else f"status: {exc}") from None
        try:
            await self._handle.execute_update("resolve", resolution, result_type=PaymentState)
        except WorkflowUpdateFailedError as exc:
            raise StartError(str(exc.cause or exc)) from None
        return await self._handle.result()


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
        return cls(await connect(temporal), temporal, **kwargs)

    def ui_url(self, workflow_id: str) -> str | None:
        if not self._ui:
            return None
        return f"{self._ui.rstrip('/')}/namespaces/{self._temporal.namespace}/workflows/{quote(workflow_id, safe='')}"

    def handle(self, workflow_id: str) -> PaymentHandle:
        return PaymentHandle(self.client.get_workflow_handle(workflow_id, result_type=PaymentState), self.ui_url(workflow_id))

    async def request_to_pay(
        self,
        request: RequestToPayRequest | dict[str, Any],
        *,
        key: str | None = None,
        timing: PaymentTiming | None = None,
    ) -> PaymentHandle:
        """Start (or attach to) the Request to Pay identified by ``key`` (default: the external id)."""
        parsed = parse_request_to_pay(request)
        try:
            business_key = validate_key(key if key is not None else parsed.external_id)
        except ValueError as exc:
            raise StartError(str(exc)) from None
        workflow_id = f"rtp-{business_key}"
        fingerprint = parsed.fingerprint()
        inp = RequestToPayInput(
            request=parsed,
            timing=timing or default_timing(self._defaults),
            status_task_queue=self._temporal.status_task_queue,
        )
        try:
            handle = await self.client.start_workflow(
                RequestToPayWorkflow.run,
                inp,
                id=workflow_id,
                task_queue=self._temporal.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                memo={FINGERPRINT_MEMO: fingerprint},
            )
            payment = PaymentHandle(handle, self.ui_url(workflow_id))
        except WorkflowAlreadyStartedError:
            payment = self.handle(workflow_id)  # finished earlier: return the first payment
        # The memo is read from the server, so this works while no worker is running.
        memo = await (await payment.raw.describe()).memo()
        if memo.get(FINGERPRINT_MEMO) not in (None, fingerprint):
            raise IdempotencyConflict(
                f"key: {business_key!r} already belongs to a payment with different details; use a new key"
            )
        return payment
