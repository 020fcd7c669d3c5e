"""The three error body shapes MoMo clients meet, and a way to raise them.

* the platform's ``{"code", "message"}`` (business and validation errors),
* the API gateway's ``{"statusCode", "message"}`` (subscription key, bearer
  token, rate limit, unknown path),
* the token endpoint's ``{"error"}``.

Handlers raise :class:`ApiError` from deep inside a check; the app turns it
into the response it carries, so every check can stay a plain function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from starlette.responses import JSONResponse, Response

INVALID_SUBSCRIPTION_KEY: Final = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
)
INVALID_ACCESS_TOKEN: Final = "Access denied due to invalid or expired access token."
RATE_LIMITED: Final = "Rate limit is exceeded. Try again in 1 seconds."

# Wording for each platform code; measured or official where MTN published one.
MESSAGES: Final[Mapping[str, str]] = {
    "RESOURCE_ALREADY_EXIST": "Duplicated reference id. Creation of resource failed.",
    "RESOURCE_NOT_FOUND": "Requested resource was not found.",
    "NOT_ALLOWED_TARGET_ENVIRONMENT": "Access to target environment is forbidden.",
    "INVALID_CALLBACK_URL_HOST": "Callback URL does not match the configured value.",
    "INVALID_CURRENCY": "Currency not supported.",
    "INTERNAL_PROCESSING_ERROR": "An internal error occurred while processing.",
    "SERVICE_UNAVAILABLE": "Service unavailable.",
    "APPROVAL_REJECTED": "The payer rejected the request.",
    "EXPIRED": "The payer did not approve the request before it expired.",
    "PAYER_NOT_FOUND": "Payer does not exist.",
    "PAYEE_NOT_ALLOWED_TO_RECEIVE": "The payee is unable to receive funds.",
    "NOT_ALLOWED": "The partner is not allowed to perform this operation.",
    "COULD_NOT_PERFORM_TRANSACTION": "The payer did not confirm the transaction in time.",
    "NOT_ENOUGH_FUNDS": "The payer does not have enough funds.",
    "PAYER_LIMIT_REACHED": "The payer's limit has been breached.",
    "PAYEE_NOT_FOUND": "Payee does not exist.",
    "TRANSACTION_CANCELED": "The transaction was cancelled.",
}


class ApiError(Exception):
    """Stops a handler and answers with ``response`` as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def platform_error(status_code: int, code: str, message: str | None = None) -> ApiError:
    """A ``{"code","message"}`` body; INVALID_CURRENCY keeps the measured message-first order."""
    text = message if message is not None else MESSAGES.get(code, code)
    body = {"message": text, "code": code} if code == "INVALID_CURRENCY" else {"code": code, "message": text}
    return ApiError(JSONResponse(body, status_code=status_code))


def bad_request(message: str) -> ApiError:
    """400 naming the problem; MTN's own 400 bodies were never captured, so this shape is ours."""
    return platform_error(400, "BAD_REQUEST", message)


def not_found() -> ApiError:
    return platform_error(404, "RESOURCE_NOT_FOUND")


def already_exists() -> ApiError:
    return platform_error(409, "RESOURCE_ALREADY_EXIST")


def target_environment_forbidden() -> ApiError:
    return platform_error(500, "NOT_ALLOWED_TARGET_ENVIRONMENT")


def gateway_error(status_code: int, message: str, headers: Mapping[str, str] | None = None) -> ApiError:
    """A ``{"statusCode","message"}`` body as Azure API Management writes it."""
    body = {"statusCode": status_code, "message": message}
    return ApiError(JSONResponse(body, status_code=status_code, headers=dict(headers or {})))


def invalid_subscription_key() -> ApiError:
    return gateway_error(401, INVALID_SUBSCRIPTION_KEY)


def invalid_access_token() -> ApiError:
    return gateway_error(401, INVALID_ACCESS_TOKEN)


def rate_limited() -> ApiError:
    return gateway_error(429, RATE_LIMITED, {"Retry-After": "1"})


def login_failed() -> ApiError:
    """Bad API user or key: MTN answers 500, not 401, with this exact body and caching headers."""
    return ApiError(
        JSONResponse(
            {"error": "login_failed"},
            status_code=500,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
    )


def injected_error(status_code: int) -> ApiError:
    """The body an injected fault of ``status_code`` carries (429, 500 or 503)."""
    if status_code == 429:
        return rate_limited()
    if status_code == 503:
        return platform_error(503, "SERVICE_UNAVAILABLE")
    return platform_error(status_code, "INTERNAL_PROCESSING_ERROR")
