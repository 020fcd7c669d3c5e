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

from momoflow import contract, use_cases
from momoflow.contract import Admission, AdmissionCheck
from momoflow.operations import PatternInput
from momoflow.settings import PaymentDefaults, WebhookSettings
from momoflow.validation import InvalidRequest, Problem, check_sandbox_currency


def admission_activity(defaults: PaymentDefaults, webhooks: WebhookSettings | None = None) -> Callable[..., Any]:
    """The local activity, with the worker's timing defaults and whether it sends webhooks."""

    @activity.defn(name=contract.ADMIT)
    async def admit(check: AdmissionCheck) -> Admission:
        admission = judge(check, defaults)
        if webhooks is not None and webhooks.enabled and admission.timing is not None:
            admission.webhooks, admission.webhook_party = True, webhooks.include_party
        return admission

    return admit


def judge(check: AdmissionCheck, defaults: PaymentDefaults) -> Admission:
    use_case = use_cases.BY_WORKFLOW_TYPE.get(check.workflow_type)
    if use_case is None:
        return Admission(problems=[Problem("", f"unknown workflow type {check.workflow_type!r}")])
    try:
        inp = use_case.input_model.model_validate(check.input)
    except InvalidRequest as exc:
        return Admission(problems=exc.problems)
    problems = [*inp.check(), *_environment_problems(inp, defaults.target_environment)]  # type: ignore[attr-defined]
    if problems or not isinstance(inp, PatternInput):
        return Admission(problems=problems)
    timing = inp.effective_timing(defaults.callback_timeout_s, defaults.poll_interval_s, defaults.deadline_s)
    return Admission(timing=timing)


def _environment_problems(inp: Any, target_environment: str) -> list[Problem]:
    """Rules of the MoMo environment this worker talks to (the sandbox takes EUR only).

    Only the worker knows its environment for sure; a caller's own check may be configured
    for another one.
    """
    request = getattr(inp, "request", None)
    holder, prefix = (request, "request.") if request is not None else (inp, "")
    try:
        check_sandbox_currency(getattr(holder, "currency", None), target_environment)
    except ValueError as exc:
        return [Problem(f"{prefix}currency", str(exc).partition(": ")[2])]
    return []
