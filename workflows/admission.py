"""A workflow's first step: ask the worker to judge the input (``momoflow.admit``), once.

The verdict is recorded in history (a local activity marker), so replays never
judge again. A refused input ends the workflow at once with a non-retryable
``INVALID_REQUEST`` whose message names each field and rule; nothing has been
sent to MoMo by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import Admission, AdmissionCheck
    from momoflow.validation import InvalidRequest

from workflows import patches

# Patch id of the judgement at the start (runs started before it replay without it).
ADMIT_AT_START = "admit-at-start"
# Patch id: the patches a run reaches right after its admission are decided before it.
DECIDED_BEFORE_ADMISSION = "patches-decided-before-admission"
_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=3)


async def admit(inp: dict[str, Any], decide: Sequence[str] = ()) -> Admission:
    """The worker's verdict on ``inp`` (the workflow input as JSON); raises ``InvalidRequest`` if refused.

    ``decide``: the patches the workflow asks about as soon as the verdict is in. A worker
    slow to answer its first workflow task can heartbeat it just as the local activity
    returns; the verdict is then recorded in that task while the workflow goes on in the
    next one, and a replay goes on one task earlier, before the server's look-ahead has
    announced that next task's patch markers: ``workflow.patched`` would answer False where
    the run said True, and the replay fails. Deciding them here, before the local activity,
    records their markers in the first task whatever happens later.
    """
    if decide and patches.patched(DECIDED_BEFORE_ADMISSION):
        for patch_id in decide:
            patches.patched(patch_id)
    admission: Admission = await workflow.execute_local_activity(
        contract.ADMIT,
        AdmissionCheck(workflow_type=workflow.info().workflow_type, input=inp),
        result_type=Admission,
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=_RETRY,
    )
    if admission.problems:
        workflow.logger.info("input refused", extra={"problems": [problem.field for problem in admission.problems]})
        raise InvalidRequest(admission.problems)
    return admission
