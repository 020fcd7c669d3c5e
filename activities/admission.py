"""``momoflow.admit``: the worker judges a workflow's input once, at its start.

Runs as a local activity, so its verdict is a marker in the workflow's history:
a replay reads the recorded verdict instead of judging again, and a rule
tightened in a later release never touches payments already running. The
worker also decides the timing here, from its own settings and the caller's
bounded overrides, so the timing a payment runs with is recorded too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import activity

from momoflow import contract
from momoflow.contract import Admission, AdmissionCheck
from momoflow.operations import PatternInput
from momoflow.settings import PaymentDefaults
from momoflow.validation import InvalidRequest, Problem


def admission_activity(defaults: PaymentDefaults) -> Callable[..., Any]:
    """The local activity, with the worker's timing defaults."""

    @activity.defn(name=contract.ADMIT)
    async def admit(check: AdmissionCheck) -> Admission:
        return judge(check, defaults)

    return admit


def judge(check: AdmissionCheck, defaults: PaymentDefaults) -> Admission:
    model = contract.INPUTS.get(check.workflow_type)
    if model is None:
        return Admission(problems=[Problem("", f"unknown workflow type {check.workflow_type!r}")])
    try:
        inp = model.model_validate(check.input)
    except InvalidRequest as exc:
        return Admission(problems=exc.problems)
    problems = inp.check()  # type: ignore[attr-defined]
    if problems or not isinstance(inp, PatternInput):
        return Admission(problems=problems)
    timing = inp.effective_timing(defaults.callback_timeout_s, defaults.poll_interval_s, defaults.deadline_s)
    return Admission(timing=timing)
