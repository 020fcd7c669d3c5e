"""Keep the sandbox's state in a JSON file across restarts (only when ``SANDBOX_STATE_FILE`` is set).

A local stack's Temporal remembers its payments across restarts; without
this the sandbox would forget them, and a payment pending at Ctrl-C would be
checked for days against a sandbox answering 404. The snapshot holds API
users, access tokens, every operation and the ledger. Instants are on the
monotonic clock, which restarts with the process, so the snapshot records
the clock and the wall time it was taken at, and loading shifts every instant
so that time kept running while the sandbox was stopped. Pending operations
get their timers planned again from their creation time, exactly as when
they were created.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
import types
import typing
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from momoflow.logging import get_logger
from sandbox.instance import SandboxState
from sandbox.world.invoice import plan_cancellation, plan_invoice
from sandbox.world.operations import (
    Deposit,
    DepositV2,
    Invoice,
    InvoiceCancellation,
    Operation,
    PreApproval,
    Refund,
    RefundV2,
    RemittanceTransfer,
    RequestToPay,
    RequestToWithdraw,
    RequestToWithdrawV2,
    Transfer,
)
from sandbox.world.payouts import plan_deposit, plan_remittance_transfer, plan_transfer
from sandbox.world.pre_approval import plan_pre_approval
from sandbox.world.refund import plan_refund
from sandbox.world.request_to_pay import plan_request_to_pay
from sandbox.world.store import ApiUser, IssuedToken

log = get_logger("sandbox.persistence")

VERSION = 1
KINDS: dict[str, type[Operation]] = {
    cls.kind: cls
    for cls in (
        RequestToPay,
        RequestToWithdraw,
        RequestToWithdrawV2,
        Transfer,
        PreApproval,
        Invoice,
        InvoiceCancellation,
        Deposit,
        DepositV2,
        RemittanceTransfer,
        Refund,
        RefundV2,
    )
}
INSTANTS = frozenset({"created_at", "finished_at", "pending_from", "cancelled_at", "expires_at", "notified_at"})


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _load(kind: Any, value: Any, shift: float) -> Any:
    if value is None:
        return None
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        fields = {name: _load(hints[name], item, shift) for name, item in value.items() if name in names}
        for name in INSTANTS & fields.keys():
            if fields[name] is not None:
                fields[name] += shift
        return kind(**fields)
    if kind is Decimal:
        return Decimal(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    return value


def snapshot(state: SandboxState) -> dict[str, Any]:
    """Everything worth keeping, as JSON-ready data (stats and faults are per run)."""
    store, ledger = state.store, state.ledger
    return {
        "version": VERSION,
        "api_users": [_dump(user) for user in store._api_users.values()],
        "tokens": {token: _dump(issued) for token, issued in store._tokens.items()},
        "operations": [{"kind": op.kind, **_dump(op)} for op in store._operations.values()],
        "balances": [[user, product, str(amount)] for (user, product), amount in ledger._balances.items()],
    }


def restore(state: SandboxState, body: dict[str, Any], shift: float) -> int:
    """Load a snapshot into a fresh state and plan what is still pending; returns how many operations."""
    if body.get("version") != VERSION:
        raise ValueError(f"sandbox state file version {body.get('version')!r}; this sandbox reads version {VERSION}")
    store, ledger = state.store, state.ledger
    for raw in body["api_users"]:
        user = _load(ApiUser, raw, shift)
        if store.api_user(user.user_id) is None:  # preset users exist already, from the settings
            store.add_api_user(user)
    for token, raw in body["tokens"].items():
        store._tokens[token] = _load(IssuedToken, raw, shift)
    for user, product, amount in body["balances"]:
        ledger._balances[(user, product)] = Decimal(amount)
    operations = [
        _load(KINDS[raw["kind"]], {k: v for k, v in raw.items() if k != "kind"}, shift) for raw in body["operations"]
    ]
    for operation in operations:
        store.add_operation(operation)
    for operation in operations:
        if not operation.is_final:
            _plan_again(state, operation)
    return len(operations)


def _plan_again(state: SandboxState, operation: Operation) -> None:
    life = state.lifecycle
    if isinstance(operation, RequestToPay):
        plan_request_to_pay(life, operation)
    elif isinstance(operation, Transfer):
        plan_transfer(life, operation)
    elif isinstance(operation, Deposit):
        plan_deposit(life, operation)
    elif isinstance(operation, RemittanceTransfer):
        plan_remittance_transfer(life, operation)
    elif isinstance(operation, Refund):
        plan_refund(life, operation)
    elif isinstance(operation, PreApproval):
        plan_pre_approval(life, operation)
    elif isinstance(operation, Invoice):
        plan_invoice(life, operation)
    elif isinstance(operation, InvoiceCancellation):
        invoice = state.store.operation(operation.invoice_reference_id)
        if isinstance(invoice, Invoice):
            plan_cancellation(life, operation, invoice)


class StateFile:
    """Loads at start, writes when the state changed (checked every ``interval_s``) and at shutdown."""

    def __init__(self, path: Path, state: SandboxState, interval_s: float = 1.0) -> None:
        self.path = path
        self.state = state
        self.interval_s = interval_s
        self._written: str | None = None
        self._task: asyncio.Task[None] | None = None

    def load(self) -> None:
        try:
            body = json.loads(self.path.read_text())
        except FileNotFoundError:
            log.info("sandbox_state_new", path=str(self.path))
            return
        saved = body.get("saved", {})
        # An instant t then is t + shift now: the clock restarted, the wall clock went on.
        shift = (self.state.clock() - float(saved.get("clock", 0.0))) - (
            time.time() - float(saved.get("wall", time.time()))
        )
        count = restore(self.state, body, shift)
        self._written = json.dumps({k: v for k, v in body.items() if k != "saved"}, sort_keys=True)
        log.info("sandbox_state_loaded", path=str(self.path), operations=count)

    def save(self) -> bool:
        """Write if anything changed since the last write; atomic, so a crash leaves the old file whole."""
        body = snapshot(self.state)
        text = json.dumps(body, sort_keys=True)
        if text == self._written:
            return False
        body["saved"] = {"clock": self.state.clock(), "wall": time.time()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(body))
        os.chmod(temporary, 0o600)  # holds API keys
        temporary.replace(self.path)
        self._written = text
        return True

    async def _every_interval(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                self.save()
            except OSError as exc:
                log.error("sandbox_state_not_saved", path=str(self.path), error=str(exc))

    def start(self) -> None:
        self.load()
        self._task = asyncio.create_task(self._every_interval(), name="sandbox-state-file")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.save()
