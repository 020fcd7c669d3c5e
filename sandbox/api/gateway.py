"""What MTN's API gateway enforces: subscription key, Basic API user, Bearer token, rate limit.

The subscription key is checked by MTN's API gateway before anything else,
which is why a bad key gets the gateway's ``{"statusCode"}`` body even on the
token endpoint. Tokens are opaque to clients but look like MTN's JWTs, and
each is bound to one API user and one product.

MTN caps status GETs at about ten per second per credential; a client that
polls harder must cope with 429. A rolling window (not a fixed tick) lets a
test produce the 429 deterministically with a burst.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import secrets
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from starlette.requests import Request

from sandbox.api.error_bodies import (
    invalid_access_token,
    invalid_subscription_key,
    login_failed,
    target_environment_forbidden,
)
from sandbox.settings import TARGET_ENVIRONMENT, Product
from sandbox.world.store import ApiUser, IssuedToken, SandboxStore

SUBSCRIPTION_KEY_HEADER = "Ocp-Apim-Subscription-Key"
SUBSCRIPTION_KEY_QUERY = "subscription-key"  # the alternative MTN's API gateway also accepts


def presented_subscription_key(request: Request) -> str | None:
    return request.headers.get(SUBSCRIPTION_KEY_HEADER) or request.query_params.get(SUBSCRIPTION_KEY_QUERY)


def _same_secret(presented: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


def require_product_key(request: Request, product: Product, keys: Mapping[Product, str]) -> None:
    """The key of ``product`` itself: a collection key does not open disbursement."""
    presented = presented_subscription_key(request)
    if presented is None or not _same_secret(presented, keys[product]):
        raise invalid_subscription_key()


def product_of_key(request: Request, keys: Mapping[Product, str]) -> Product:
    """Which product's key was presented (provisioning accepts any); 401 if none."""
    presented = presented_subscription_key(request)
    if presented is not None:
        for product, key in keys.items():
            if _same_secret(presented, key):
                return product
    raise invalid_subscription_key()


def parse_basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``Basic base64(user:key)`` → (user, key), or None if it is not that."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, separator, key = decoded.partition(":")
    if not separator:
        return None
    return user, key


def authenticate_api_user(request: Request, product: Product, store: SandboxStore) -> ApiUser:
    """The API user behind a token request: 500 login_failed on any bad credential,
    500 NOT_ALLOWED_TARGET_ENVIRONMENT for a user provisioned under another product."""
    credentials = parse_basic_credentials(request.headers.get("Authorization"))
    if credentials is None:
        raise login_failed()
    user_id, api_key = credentials
    user = store.api_user(user_id)
    if user is None or user.api_key is None or not hmac.compare_digest(api_key.encode(), user.api_key.encode()):
        raise login_failed()
    if user.product != product:
        raise target_environment_forbidden()
    return user


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_access_token(user_id: str, ttl_s: int, wall_now: datetime | None = None) -> str:
    """A fresh JWT-shaped string with MTN's header and payload fields and a random signature."""
    expires = (wall_now or datetime.now(UTC)) + timedelta(seconds=ttl_s)
    header = {"typ": "JWT", "alg": "R256"}
    payload = {
        "clientId": user_id,
        "expires": expires.strftime("%Y-%m-%dT%H:%M:%S.") + f"{expires.microsecond // 1000:03d}",
        "sessionId": str(uuid.uuid4()),
    }
    parts = (
        _b64url(json.dumps(header, separators=(",", ":")).encode()),
        _b64url(json.dumps(payload, separators=(",", ":")).encode()),
        _b64url(secrets.token_bytes(64)),
    )
    return ".".join(parts)


def require_bearer(request: Request, product: Product, store: SandboxStore, now: float) -> IssuedToken:
    """A token this sandbox issued for ``product`` that has not expired, or 401."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise invalid_access_token()
    issued = store.token(token.strip())
    if issued is None or issued.product != product or now >= issued.expires_at:
        raise invalid_access_token()
    return issued


def require_target_environment(request: Request) -> None:
    """The sandbox serves only ``X-Target-Environment: sandbox``; MTN answers others with 500."""
    if request.headers.get("X-Target-Environment", "").strip() != TARGET_ENVIRONMENT:
        raise target_environment_forbidden()


WINDOW_S = 1.0


class RollingWindowLimiter:
    """Admits at most ``max(1, floor(limit_per_s))`` calls per key in any one-second window.

    Refused calls are not recorded, so a caller that backs off for a second
    always gets through again.
    """

    def __init__(self, limit_per_s: float, clock: Callable[[], float]) -> None:
        self._capacity = max(1, math.floor(limit_per_s))
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = self._clock()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - WINDOW_S:
            calls.popleft()
        if len(calls) >= self._capacity:
            return False
        calls.append(now)
        return True
