"""The one error taxonomy, applied to activities.

A MoMo error becomes a Temporal ``ApplicationError`` whose ``type`` is MoMo's
code and whose ``non_retryable`` flag says whether Temporal may try again.
Workflows read the code to explain a failure; they never see an HTTP status.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from momo.errors import MomoError

# Raised while a payment is still pending, to make Temporal poll by retrying.
STILL_PENDING = "StillPending"


def to_application_error(error: MomoError, *, force_retryable: bool = False) -> ApplicationError:
    retryable = error.retryable or force_retryable
    delay = timedelta(seconds=error.retry_after_s) if error.retry_after_s is not None else None
    return ApplicationError(
        str(error),
        {"code": error.code, "message": error.message, "http_status": error.status_code},
        type=error.code,
        non_retryable=not retryable,
        next_retry_delay=delay,
    )


def still_pending(status: str) -> ApplicationError:
    """A retryable, benign error: the retry policy is the poll schedule."""
    return ApplicationError(
        f"payment is {status}",
        type=STILL_PENDING,
        category=ApplicationErrorCategory.BENIGN,
    )
