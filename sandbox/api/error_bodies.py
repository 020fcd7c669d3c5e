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

from sandbox.world.status_bodies import MESSAGES

INVALID_SUBSCRIPTION_KEY: Final = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
)
INVALID_ACCESS_TOKEN: Final = "Access denied due to invalid or expired access token."
RATE_LIMITED: Final = "Rate limit is exceeded. Try again in 1 seconds."


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
