from __future__ import annotations

import asyncio

from momo.models import AccessToken
from momo.tokens import TokenCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_concurrent_callers_share_one_refresh() -> None:
    calls = 0

    async def fetch() -> AccessToken:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return AccessToken(access_token=f"t{calls}", expires_in=3600)

    cache = TokenCache()
    tokens = await asyncio.gather(*(cache.get("collection:u", fetch) for _ in range(50)))
    assert set(tokens) == {"t1"}
    assert calls == 1 and cache.minted == 1


async def test_token_is_renewed_ten_minutes_before_expiry() -> None:
    clock = Clock()
    issued = iter(["a", "b"])

    async def fetch() -> AccessToken:
        return AccessToken(access_token=next(issued), expires_in=3600)

    cache = TokenCache(refresh_margin_s=600, clock=clock)
    assert await cache.get("k", fetch) == "a"
    clock.now += 2999  # 49m59s: still fresh
    assert await cache.get("k", fetch) == "a"
    clock.now += 2  # past 50 minutes
    assert await cache.get("k", fetch) == "b"


async def test_invalidate_only_drops_the_refused_token() -> None:
    issued = iter(["a", "b"])

    async def fetch() -> AccessToken:
        return AccessToken(access_token=next(issued), expires_in=3600)

    cache = TokenCache()
    await cache.get("k", fetch)
    cache.invalidate("k", "stale-other-token")
    assert await cache.get("k", fetch) == "a"
    cache.invalidate("k", "a")
    assert await cache.get("k", fetch) == "b"


async def test_credentials_are_cached_separately() -> None:
    async def fetch_a() -> AccessToken:
        return AccessToken(access_token="A")

    async def fetch_b() -> AccessToken:
        return AccessToken(access_token="B")

    cache = TokenCache()
    assert await cache.get("collection:u1", fetch_a) == "A"
    assert await cache.get("disbursement:u1", fetch_b) == "B"
