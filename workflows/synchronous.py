"""Shared shape of the synchronous use cases: one retried activity, its answer is the result.

A business refusal from MoMo (e.g. NOT_ALLOWED, INVALID_CURRENCY) fails the
workflow with MoMo's code as the error type; transport problems are retried
for up to two minutes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import display

from workflows import observability

T = TypeVar("T")

# The patches call_momo asks about first; a workflow that admits its input just before
# passes them to ``admit(decide=...)``.
PATCHES = (observability.MOMO_KIND,)

_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=15)
)


async def call_momo(activity: str, arg: Any, result_type: type[T]) -> T:
    operation = _snake(workflow.info().workflow_type)
    observability.operation_started()
    kind = observability.kind("lookup")
    if kind:
        workflow.upsert_search_attributes(kind)
    workflow.set_current_details(display.summary(operation))
    try:
        result = await _call(activity, arg, result_type)
    except ApplicationError as err:
        observability.lookup_finished("FAILED", err.type or "UNSPECIFIED")
        raise
    observability.lookup_finished("SUCCESSFUL", "none")
    return result


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


async def _call(activity: str, arg: Any, result_type: type[T]) -> T:
    try:
        result: T = await workflow.execute_activity(
            activity,
            arg,
            result_type=result_type,
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=timedelta(minutes=2),
            retry_policy=_RETRY,
        )
    except ActivityError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError):
            # Re-raise as the workflow's own failure, keeping MoMo's code and message.
            raise ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True) from None
        raise ApplicationError(f"MoMo could not be reached: {err}", type="UNAVAILABLE", non_retryable=True) from None
    return result
