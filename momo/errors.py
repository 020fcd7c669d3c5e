"""Every way a MoMo call can fail, sorted by whether a retry can help.

MoMo answers errors in three shapes: the platform's ``{"code","message"}``,
the API gateway's ``{"statusCode","message"}`` and the token endpoint's
``{"error"}``. :func:`error_from_response` reads all three and returns one of
the exception types below; callers only need ``retryable``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

# Codes with which MoMo refuses a request for good: resending it cannot succeed.
BUSINESS_CODES = frozenset(
    {
        "PAYEE_NOT_FOUND",
        "PAYER_NOT_FOUND",
        "NOT_ALLOWED",
        "NOT_ALLOWED_TARGET_ENVIRONMENT",
        "INVALID_CALLBACK_URL_HOST",
        "INVALID_CURRENCY",
        "NOT_ENOUGH_FUNDS",
        "PAYER_LIMIT_REACHED",
        "PAYEE_NOT_ALLOWED_TO_RECEIVE",
        "PAYMENT_NOT_APPROVED",
        "APPROVAL_REJECTED",
        "EXPIRED",
        "TRANSACTION_CANCELED",
        "COULD_NOT_PERFORM_TRANSACTION",
        "SENDER_ACCOUNT_NOT_ACTIVE",
    }
)


class MomoError(Exception):
    """Base class: an HTTP status, MoMo's error code and message, and whether to retry."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code or "UNKNOWN_ERROR"
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        status = f"HTTP {self.status_code} " if self.status_code is not None else ""
        return f"{status}{self.code}: {self.message}"


class MomoTransientError(MomoError):
    """Network failure, timeout, 5xx without a business code, or 429: try again later."""

    retryable = True


class MomoBusinessError(MomoError):
    """MoMo refused the request for a reason that a retry cannot change."""


class MomoAuthError(MomoError):
    """Credentials or subscription key rejected: a configuration problem, not a payment outcome."""


class MomoConflictError(MomoError):
    """409 ``RESOURCE_ALREADY_EXIST``: the reference id was accepted before."""


class MomoNotFoundError(MomoError):
    """404 ``RESOURCE_NOT_FOUND``: MoMo does not know this reference id (yet)."""


class MomoProtocolError(MomoError):
    """MoMo answered 2xx with a body this client cannot read."""


def _parse_retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def error_from_response(response: httpx.Response) -> MomoError:
    """Classify a non-2xx MoMo response."""
    status = response.status_code
    body = _body(response)
    code = body.get("code") or body.get("error")
    message = str(body.get("message") or body.get("error") or response.reason_phrase or "no message")
    code = str(code) if code else None
    retry_after = _parse_retry_after(response)
    kwargs: dict[str, Any] = {"status_code": status, "code": code, "retry_after_s": retry_after}

    if status == 409:
        return MomoConflictError(message, **kwargs)
    if status == 404 and "statusCode" not in body:
        return MomoNotFoundError(message, **{**kwargs, "code": code or "RESOURCE_NOT_FOUND"})
    if status == 429:
        return MomoTransientError(message, **{**kwargs, "code": code or "RATE_LIMITED"})
    if status == 401 or code == "login_failed":
        return MomoAuthError(message, **{**kwargs, "code": code or "UNAUTHORIZED"})
    if status == 403:
        return MomoAuthError(message, **{**kwargs, "code": code or "FORBIDDEN"})
    if code in BUSINESS_CODES:
        return MomoBusinessError(message, **kwargs)
    if status in (400, 411, 413, 414, 415, 422):
        return MomoBusinessError(message, **{**kwargs, "code": code or "BAD_REQUEST"})
    if 500 <= status or status == 408:
        # INTERNAL_PROCESSING_ERROR, SERVICE_UNAVAILABLE, bare 502/503/504: the request may
        # or may not have been taken; the caller retries with the same reference id.
        return MomoTransientError(message, **{**kwargs, "code": code or f"HTTP_{status}"})
    return MomoBusinessError(message, **{**kwargs, "code": code or f"HTTP_{status}"})
