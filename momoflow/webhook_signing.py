"""Signatures of the webhooks momoflow sends, and their verification on the receiving side.

Each POST carries ``Momoflow-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]``:
one ``v1`` per configured secret, each the HMAC-SHA256 of ``"<t>.<raw body>"``.
A receiver accepts the request when any ``v1`` matches one of its secrets and
``t`` is recent, so a secret rotates without a gap (both sign while the merchant
switches) and a captured request cannot be replayed later. Signing happens at
each attempt, so ``t`` is the time of that attempt, not of the event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping

SIGNATURE_HEADER = "Momoflow-Signature"
EVENT_ID_HEADER = "Momoflow-Event-Id"
EVENT_TYPE_HEADER = "Momoflow-Event-Type"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


class WebhookVerificationError(ValueError):
    """The request is not a genuine, fresh momoflow webhook; ``reason`` says why, for scripts.

    Reasons: ``missing_header``, ``malformed_header``, ``stale_timestamp``, ``bad_signature``,
    ``malformed_body``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_secrets(spec: str) -> list[tuple[str, bytes]]:
    """Read ``WEBHOOK_SECRETS`` (``key-id:secret,key-id:secret``); raise ValueError naming the problem."""
    pairs: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        kid, sep, secret = item.partition(":")
        if not sep or not kid or not secret:
            raise ValueError("WEBHOOK_SECRETS: each entry must be 'key-id:secret'")
        if not kid.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"WEBHOOK_SECRETS: key id {kid!r} must be letters, digits, '-' or '_'")
        if len(secret) < 16:
            raise ValueError(f"WEBHOOK_SECRETS: secret for key {kid!r} must be at least 16 characters")
        pairs.append((kid, secret.encode()))
    return pairs


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: Iterable[bytes], timestamp: int | None = None) -> str:
    """The ``Momoflow-Signature`` header value for ``body``, one ``v1`` per secret."""
    t = int(time.time()) if timestamp is None else timestamp
    parts = [f"t={t}", *(f"{SCHEME}={_mac(secret, t, body)}" for secret in secrets)]
    if len(parts) == 1:
        raise ValueError("secrets: at least one signing secret is required")
    return ",".join(parts)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _as_bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secrets: str | bytes | Iterable[str | bytes],
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> str:
    """Check a received webhook; return its event id (dedupe on it) or raise ``WebhookVerificationError``.

    ``body`` must be the raw bytes as received (not re-serialised JSON). ``secrets``
    are the plain secrets (without their key ids): any one of them may match, so a
    receiver keeps the old and the new secret during a rotation. A timestamp more
    than ``tolerance_s`` away from ``now`` is refused, so a captured request cannot
    be replayed later.
    """
    header = _header(headers, SIGNATURE_HEADER)
    if not header:
        raise WebhookVerificationError("missing_header", f"{SIGNATURE_HEADER}: header missing")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookVerificationError(
                    "malformed_header", f"{SIGNATURE_HEADER}: t={value!r} is not a unix time"
                ) from None
        elif name == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookVerificationError(
            "malformed_header", f"{SIGNATURE_HEADER}: needs t=<unix time> and at least one v1=<hex>"
        )
    keys = [_as_bytes(secrets)] if isinstance(secrets, (str, bytes)) else [_as_bytes(s) for s in secrets]
    if not keys:
        raise ValueError("secrets: at least one secret to verify with is required")
    age = (time.time() if now is None else now) - timestamp
    if abs(age) > tolerance_s:
        raise WebhookVerificationError(
            "stale_timestamp",
            f"{SIGNATURE_HEADER}: timestamp is {int(age)} s away from now (tolerance {int(tolerance_s)} s)",
        )
    expected = [_mac(key, timestamp, body) for key in keys]
    if not any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in signatures):
        raise WebhookVerificationError("bad_signature", f"{SIGNATURE_HEADER}: no signature matches any of the secrets")
    # The header is a convenience for routing; the id inside the signed body is the one to trust.
    try:
        event_id = json.loads(body)["id"]
    except (ValueError, KeyError, TypeError):
        raise WebhookVerificationError(
            "malformed_body", "body: a signed webhook body must be a JSON event with an 'id'"
        ) from None
    if _header(headers, EVENT_ID_HEADER) not in (None, event_id):
        raise WebhookVerificationError("bad_signature", f"{EVENT_ID_HEADER}: does not match the id in the signed body")
    return str(event_id)
