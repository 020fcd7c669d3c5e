"""How every asynchronous MoMo operation is submitted and checked, whatever the product.

Submitting is idempotent by construction: the workflow chose the reference id,
so a retried request reuses it and MoMo's 409 means the first attempt was
accepted. Status checks never decide anything; they report what MoMo says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import still_pending, to_application_error
from momo.errors import MomoConflictError, MomoError, MomoNotFoundError
from momoflow.contract import SUBMIT_ATTEMPT_LIMIT_S, ProviderStatus
from momoflow.logging import get_logger

log = get_logger("activities")
R = TypeVar("R")
# A submit that did not finish within its limit: outcome unknown, retried.
SUBMIT_CUT_OFF = "SUBMIT_CUT_OFF"


def calling_workflow_id() -> str:
    """The id of the workflow that scheduled this activity: callback URLs are signed for it.

    Temporal leaves it empty only for an activity started on its own, which these never are.
    """
    workflow_id = activity.info().workflow_id
    if workflow_id is None:
        raise ApplicationError(
            "activity.info().workflow_id is missing: a callback URL needs the workflow that scheduled the activity",
            type="NO_WORKFLOW",
            non_retryable=True,
        )
    return workflow_id


async def submit_once(operation: str, reference_id: str, send: Callable[[], Awaitable[None]]) -> bool:
    """True if this call created the operation at MoMo, False if MoMo had it already.

    The whole call is cut off after :data:`SUBMIT_ATTEMPT_LIMIT_S`, less than the activity's
    start-to-close, so no attempt outlives what the workflow believes (its NOT_SUBMITTED relies
    on it). A cut-off call may still have reached MoMo: it fails retryably, and the workflow
    resends under the same reference id or asks MoMo.
    """
    attempt = activity.info().attempt
    try:
        async with asyncio.timeout(SUBMIT_ATTEMPT_LIMIT_S):
            await send()
    except TimeoutError:
        log.warning(f"{operation} cut off", reference_id=reference_id, limit_s=SUBMIT_ATTEMPT_LIMIT_S, attempt=attempt)
        raise ApplicationError(
            f"{operation}: no answer from MoMo within {SUBMIT_ATTEMPT_LIMIT_S:g} s; the request may have been taken",
            type=SUBMIT_CUT_OFF,
        ) from None
    except MomoConflictError:
        log.info(f"{operation} already accepted", reference_id=reference_id, attempt=attempt)
        return False
    except MomoError as exc:
        log.warning(
            f"{operation} not accepted",
            reference_id=reference_id,
            code=exc.code,
            http_status=exc.status_code,
            retryable=exc.retryable,
            attempt=attempt,
        )
        raise to_application_error(exc) from exc
    log.info(f"{operation} accepted", reference_id=reference_id, attempt=attempt)
    return True


async def report_status(fetch: Callable[[], Awaitable[R]], describe: Callable[[R], ProviderStatus]) -> ProviderStatus:
    """One GET. An operation MoMo cannot find yet is reported as NOT_FOUND, never as failed."""
    try:
        result = await fetch()
    except MomoNotFoundError:
        return ProviderStatus(status="NOT_FOUND")
    except MomoError as exc:
        raise to_application_error(exc, force_retryable=True) from exc
    return describe(result)


async def require_final(
    fetch: Callable[[], Awaitable[R]], describe: Callable[[R], ProviderStatus], *, not_found_is_answer: bool = False
) -> ProviderStatus:
    """GET once; fail retryably unless final, so the activity's retry policy is the poll schedule.

    A 404 is "not visible yet" unless the workflow says MoMo has had time to see every
    request sent for this id (``not_found_is_answer``): then NOT_FOUND is returned.
    """
    try:
        result = await fetch()
    except MomoNotFoundError:
        if not_found_is_answer:
            return ProviderStatus(status="NOT_FOUND")
        raise still_pending("not yet visible") from None
    except MomoError as exc:
        raise to_application_error(exc, force_retryable=True) from exc
    answer = describe(result)
    if not answer.is_final:
        raise still_pending(answer.status)
    return answer
