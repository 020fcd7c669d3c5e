"""Callback delivery: one request to X-Callback-Url when an operation becomes final.

The body is the operation's status body at that moment; v1 operations are
sent with POST and v2 ones with PUT, as MTN's specification describes. Like
MTN's sandbox as documented, a callback is sent once and never retried; a
failed delivery is logged and counted, never raised.

The sandbox computes its world lazily (see :mod:`sandbox.world.lifecycle`), so when a
callback depends on a moment nobody asks about, :meth:`CallbackNotifier.wake_at`
keeps a timer that moves the world forward at that moment. Timers and
deliveries both count as :attr:`CallbackNotifier.pending`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from momoflow.logging import get_logger
from sandbox.controls.faults import FaultInjector
from sandbox.controls.stats import SandboxStats

CALLBACK_HEADERS: Final = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "LWAC Http Client 1.0",
}
# A timer re-reads the clock at least this often, so a test clock moved by hand is noticed.
MAX_TIMER_SLEEP_S: Final = 1.0

log = get_logger("sandbox.notifier")


def _host_of(url: str) -> str:
    """What may be logged of a callback URL: its host (paths can carry signatures)."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


class CallbackNotifier:
    """Owns the timer and delivery tasks and the HTTP client they share."""

    def __init__(
        self,
        *,
        faults: FaultInjector,
        stats: SandboxStats,
        clock: Callable[[], float],
        timeout_s: float,
        enabled: bool = True,
        on_wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._faults = faults
        self._stats = stats
        self._clock = clock
        self._timeout_s = timeout_s
        self.enabled = enabled
        self.on_wake = on_wake  # moves the world forward; set once the lifecycle exists
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Each timer with the test of whether it can still lead to a callback.
        self._timers: dict[asyncio.Task[None], Callable[[], bool]] = {}

    @property
    def pending(self) -> int:
        """Timers and deliveries not yet finished (useful to wait for quiet in tests)."""
        return len(self._tasks)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def wake_at(self, instant: float, needed: Callable[[], bool] = lambda: True) -> None:
        """Make sure the world is moved forward at ``instant`` even if nobody calls,
        for as long as ``needed()`` says a callback may still depend on it."""
        if not self.enabled:
            return
        task = self._spawn(self._timer(instant), name=f"timer-{instant:.3f}")
        self._timers[task] = needed
        task.add_done_callback(lambda done: self._timers.pop(done, None))

    def prune(self) -> None:
        """Stop the timers no callback depends on any more (their operations ended otherwise)."""
        for task, needed in list(self._timers.items()):
            if not needed():
                task.cancel()

    async def _timer(self, instant: float) -> None:
        try:
            # The event loop may wake a hair early; loop until the clock agrees.
            while self._clock() < instant:
                await asyncio.sleep(min(max(instant - self._clock(), 0.001), MAX_TIMER_SLEEP_S))
            self.on_wake()
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not take the server down
            log.exception("callback_timer_crashed")

    def send(self, reference_id: str, url: str, method: str, body: Mapping[str, Any]) -> None:
        """Deliver ``body`` to ``url`` now, subject to the callback faults."""
        if not self.enabled:
            return
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        self._spawn(self._deliver(reference_id, url, method, payload), name=f"callback-{reference_id}")

    async def _deliver(self, reference_id: str, url: str, method: str, payload: bytes) -> None:
        try:
            plan = self._faults.callback_plan()
            if plan.drop:
                self._stats.callbacks.dropped += 1
                log.info("callback_dropped", reference_id=reference_id)
                return
            if plan.extra_delay_s > 0:
                await asyncio.sleep(plan.extra_delay_s)
            await self._request(reference_id, url, method, payload)
            if plan.duplicate:
                self._stats.callbacks.duplicated += 1
                await self._request(reference_id, url, method, payload)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not take the server down
            log.exception("callback_task_crashed", reference_id=reference_id)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, follow_redirects=False)
        return self._client

    async def _request(self, reference_id: str, url: str, method: str, payload: bytes) -> None:
        host = _host_of(url)
        try:
            response = await self._http().request(method, url, content=payload, headers=CALLBACK_HEADERS)
        except (httpx.HTTPError, ValueError) as exc:
            self._stats.callbacks.failed += 1
            log.warning(
                "callback_failed",
                reference_id=reference_id,
                callback_host=host,
                method=method,
                error=type(exc).__name__,
            )
            return
        if response.is_success:
            self._stats.callbacks.sent += 1
            log.info(
                "callback_sent",
                reference_id=reference_id,
                callback_host=host,
                method=method,
                http_status=response.status_code,
            )
        else:
            self._stats.callbacks.failed += 1
            log.warning(
                "callback_rejected",
                reference_id=reference_id,
                callback_host=host,
                method=method,
                http_status=response.status_code,
            )

    async def aclose(self) -> None:
        """Cancel timers and undelivered callbacks, and close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
