"""Bearer tokens: one per credential per process, renewed before they expire.

MTN tokens live an hour and MTN asks partners not to mint one per
transaction. Concurrent callers that find the token stale wait on one lock so
exactly one of them asks for a new token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from momo import metrics
from momo.models import AccessToken


@dataclass
class _Entry:
    token: str
    expires_at: float


class TokenCache:
    """Caches tokens by credential key; ``fetch`` is called at most once per renewal."""

    def __init__(self, refresh_margin_s: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._margin = refresh_margin_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.minted = 0

    def _fresh(self, entry: _Entry | None) -> bool:
        return entry is not None and self._clock() < entry.expires_at - self._margin

    async def get(self, key: str, fetch: Callable[[], Awaitable[AccessToken]]) -> str:
        entry = self._entries.get(key)
        if self._fresh(entry):
            assert entry is not None
            return entry.token
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._entries.get(key)
            if self._fresh(entry):
                assert entry is not None
                return entry.token
            try:
                issued = await fetch()
            except Exception:
                metrics.observe_token_renewal(_product(key), ok=False)
                raise
            metrics.observe_token_renewal(_product(key), ok=True)
            self.minted += 1
            # A token whose lifetime is shorter than the margin is still used once.
            lifetime = max(float(issued.expires_in), 1.0)
            expires_at = self._clock() + lifetime
            if lifetime <= self._margin:
                expires_at = self._clock() + self._margin + lifetime / 2
            self._entries[key] = _Entry(issued.access_token, expires_at)
            return issued.access_token

    def invalidate(self, key: str, token: str) -> None:
        """Forget ``token`` after MoMo refused it, unless another caller already replaced it."""
        entry = self._entries.get(key)
        if entry is not None and entry.token == token:
            del self._entries[key]


def _product(key: str) -> str:
    """Keys are ``<product>:<api user>``; only the product is a metric label."""
    return key.partition(":")[0]
