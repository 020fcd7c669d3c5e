"""Everything one running sandbox holds, built once per app.

Tests create many apps side by side, so nothing lives in module globals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from momoflow.logging import get_logger
from sandbox.api.gateway import RollingWindowLimiter
from sandbox.controls.faults import FaultInjector
from sandbox.controls.stats import SandboxStats
from sandbox.settings import SandboxSettings
from sandbox.world.callback_delivery import CallbackNotifier
from sandbox.world.ledger import Ledger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.status_bodies import Renderer, WallClock
from sandbox.world.store import ApiUser, SandboxStore

log = get_logger("sandbox.state")


@dataclass
class SandboxState:
    settings: SandboxSettings
    store: SandboxStore
    stats: SandboxStats
    faults: FaultInjector
    notifier: CallbackNotifier
    status_limiter: RollingWindowLimiter | None
    clock: Callable[[], float]
    ledger: Ledger
    lifecycle: Lifecycle

    @classmethod
    def build(cls, settings: SandboxSettings, clock: Callable[[], float] = time.monotonic) -> SandboxState:
        stats = SandboxStats()

        def count_fault() -> None:
            stats.faults_injected += 1

        faults = FaultInjector(settings.fault_settings(), on_fault=count_fault)
        notifier = CallbackNotifier(
            faults=faults,
            stats=stats,
            clock=clock,
            timeout_s=settings.callback_timeout_s,
            enabled=settings.callbacks_enabled,
        )
        limiter = (
            RollingWindowLimiter(settings.status_rate_limit_per_s, clock)
            if settings.status_rate_limit_per_s is not None
            else None
        )
        store = SandboxStore()
        for preset in settings.preset_users():
            store.add_api_user(ApiUser(preset.user_id, preset.provider_callback_host, preset.product, preset.api_key))
            log.info("preset_api_user_created", api_user_id=preset.user_id, product=preset.product)
        ledger = Ledger(
            {
                "collection": settings.collection_opening_balance,
                "disbursement": settings.disbursement_opening_balance,
                "remittance": settings.remittance_opening_balance,
            }
        )
        lifecycle = Lifecycle(
            settings=settings,
            store=store,
            ledger=ledger,
            notifier=notifier,
            renderer=Renderer(settings.reason_format, WallClock(clock)),
            clock=clock,
        )
        notifier.on_wake = lifecycle.settle
        return cls(settings, store, stats, faults, notifier, limiter, clock, ledger, lifecycle)

    def settle(self) -> None:
        """Bring every operation up to the present; every handler calls this before reading."""
        self.lifecycle.settle()

    async def aclose(self) -> None:
        """Stop background work; call it when the app stops (the lifespan does)."""
        await self.notifier.aclose()


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state
