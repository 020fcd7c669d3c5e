from __future__ import annotations

import httpx
import pytest

from momo.errors import (
    MomoAuthError,
    MomoBusinessError,
    MomoConflictError,
    MomoNotFoundError,
    MomoTransientError,
    error_from_response,
)


def _response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers or {})


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (
            409,
            b'{"code":"RESOURCE_ALREADY_EXIST","message":"Duplicated reference id."}',
            MomoConflictError,
            "RESOURCE_ALREADY_EXIST",
        ),
        (
            404,
            b'{"code":"RESOURCE_NOT_FOUND","message":"Requested resource was not found."}',
            MomoNotFoundError,
            "RESOURCE_NOT_FOUND",
        ),
        (
            500,
            b'{"message":"Currency not supported.","code":"INVALID_CURRENCY"}',
            MomoBusinessError,
            "INVALID_CURRENCY",
        ),
        (500, b'{"code":"PAYER_NOT_FOUND","message":"Payer does not exist"}', MomoBusinessError, "PAYER_NOT_FOUND"),
        (500, b'{"error":"login_failed"}', MomoAuthError, "login_failed"),
        (
            401,
            b'{"statusCode":401,"message":"Access denied due to invalid subscription key."}',
            MomoAuthError,
            "UNAUTHORIZED",
        ),
        (400, b"", MomoBusinessError, "BAD_REQUEST"),
        (
            500,
            b'{"code":"INTERNAL_PROCESSING_ERROR","message":"An internal error occurred."}',
            MomoTransientError,
            "INTERNAL_PROCESSING_ERROR",
        ),
        (503, b"<html>down</html>", MomoTransientError, "HTTP_503"),
        (429, b'{"statusCode":429,"message":"Rate limit is exceeded."}', MomoTransientError, "RATE_LIMITED"),
    ],
)
def test_every_error_shape_maps_to_a_typed_exception(status: int, body: bytes, kind: type, code: str) -> None:
    error = error_from_response(_response(status, body))
    assert type(error) is kind
    assert error.code == code
    assert error.status_code == status
    assert error.retryable is (kind is MomoTransientError)


def test_retry_after_is_read() -> None:
    error = error_from_response(_response(429, b"{}", {"Retry-After": "7"}))
    assert error.retry_after_s == 7.0


def test_gateway_404_is_not_a_missing_payment() -> None:
    # APIM's own 404 (unknown API path) is a configuration problem, not "reference id not found".
    error = error_from_response(_response(404, b'{"statusCode":404,"message":"Resource not found"}'))
    assert not isinstance(error, MomoNotFoundError)
