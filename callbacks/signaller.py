"""Delivering a verified callback to its workflow as a Temporal signal."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Protocol

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from momoflow import tracing
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL
from momoflow.models import ProviderCallback
from momoflow.settings import TemporalSettings
from momoflow.temporal import connect


class Delivery(StrEnum):
    SIGNALLED = "signalled"
    # The workflow has finished (or is gone): acknowledge, nothing to change.
    ALREADY_FINISHED = "already_finished"
    # Temporal is unreachable: ask MoMo to try again; the workflow polls meanwhile.
    UNAVAILABLE = "unavailable"


class Signaller(Protocol):
    async def deliver(self, workflow_id: str, callback: ProviderCallback) -> Delivery: ...


class TemporalSignaller:
    """Connects on first use, so the gateway starts and answers even while Temporal is down."""

    def __init__(self, settings: TemporalSettings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def _get_client(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await connect(self._settings, interceptors=tracing.interceptors())
        return self._client

    async def deliver(self, workflow_id: str, callback: ProviderCallback) -> Delivery:
        try:
            client = await self._get_client()
            await client.get_workflow_handle(workflow_id).signal(PROVIDER_CALLBACK_SIGNAL, callback)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return Delivery.ALREADY_FINISHED
            return Delivery.UNAVAILABLE
        except (OSError, RuntimeError):
            return Delivery.UNAVAILABLE
        return Delivery.SIGNALLED
