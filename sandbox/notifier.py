"""Callback delivery: one POST to X-Callback-Url when a payment becomes final.

Each accepted payment with a callback URL gets its own asyncio task, started
by the request handler, so the callback goes out even if nobody ever asks for
the status. Like MTN's sandbox as documented, it is sent once and never
retried; a failed delivery is logged and counted, never raised.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from momoflow.logging import get_logger
from sandbox.faults import FaultInjector
from sandbox.stats import SandboxStats
from sandbox.store import RequestToPay

CALLBACK_HEADERS: Final = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "LWAC Http Client 1.0",
}

log = get_logger("sandbox.notifier")

RenderBody = Callable[[RequestToPay, float], dict[str, Any]]


def _host_of(url: str) -> str:
    """What may be logged of a callback URL: its host (paths can carry signatures)."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


class CallbackNotifier:
    """Owns the delivery tasks and the HTTP client they share."""

    def __init__(
        self,
        *,
        render: RenderBody,
        faults: FaultInjector,
        stats: SandboxStats,
        clock: Callable[[], float],
        timeout_s: float,
        enabled: bool = True,
    ) -> None:
        self._render = render
        self._faults = faults
        self._stats = stats
        self._clock = clock
        self._timeout_s = timeout_s
        self._enabled = enabled
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Deliveries not yet finished (useful to wait for quiet in tests)."""
        return len(self._tasks)

    def schedule(self, payment: RequestToPay) -> None:
        """Start the delivery task for ``payment`` if it has a URL and will ever be final."""
        if not self._enabled or payment.callback_url is None or payment.timeline.final_at is None:
            return
        task = asyncio.get_running_loop().create_task(
            self._deliver_when_final(payment), name=f"callback-{payment.reference_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_when_final(self, payment: RequestToPay) -> None:
        try:
            await self._wait_until_final(payment)
            plan = self._faults.callback_plan()
            if plan.drop:
                self._stats.callbacks.dropped += 1
                log.info("callback_dropped", reference_id=payment.reference_id)
                return
            if plan.extra_delay_s > 0:
                await asyncio.sleep(plan.extra_delay_s)
            body = json.dumps(self._render(payment, self._clock()), separators=(",", ":")).encode("utf-8")
            await self._post(payment, body)
            if plan.duplicate:
                self._stats.callbacks.duplicated += 1
                await self._post(payment, body)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not take the server down
            log.exception("callback_task_crashed", reference_id=payment.reference_id)

    async def _wait_until_final(self, payment: RequestToPay) -> None:
        final_at = payment.timeline.final_at
        assert final_at is not None
        # The event loop may wake a hair early; loop until the timeline agrees.
        while not payment.timeline.is_final_at(self._clock()):
            await asyncio.sleep(max(final_at - self._clock(), 0.001))

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, follow_redirects=False)
        return self._client

    async def _post(self, payment: RequestToPay, body: bytes) -> None:
        assert payment.callback_url is not None
        host = _host_of(payment.callback_url)
        try:
            response = await self._http().post(payment.callback_url, content=body, headers=CALLBACK_HEADERS)
        except (httpx.HTTPError, ValueError) as exc:
            self._stats.callbacks.failed += 1
            log.warning(
                "callback_failed", reference_id=payment.reference_id, callback_host=host, error=type(exc).__name__
            )
            return
        if response.is_success:
            self._stats.callbacks.sent += 1
            log.info("callback_sent", reference_id=payment.reference_id, callback_host=host, http_status=response.status_code)
        else:
            self._stats.callbacks.failed += 1
            log.warning(
                "callback_rejected", reference_id=payment.reference_id, callback_host=host, http_status=response.status_code
            )

    async def aclose(self) -> None:
        """Cancel undelivered callbacks and close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
