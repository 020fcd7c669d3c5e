"""``workflow.patched`` for momoflow's workflows: one marker answers every older patch.

Each patch a run asks about costs its history two events (the marker and the server's
``TemporalChangeVersion`` search attribute); a Request to Pay asked about eight. A run
that starts under :data:`BASELINE` takes the new side of every patch in :data:`FOLDED`
without asking each, so it records one marker instead. Runs started before the baseline
never see its marker on replay and ask each patch, as they always did. A patch added
after the baseline is asked about on its own until a later baseline folds it in.

The owning modules keep their patch ids (and say what each one changed);
``tests/replay/test_patches.py`` checks that this list names every one of them.
"""

from __future__ import annotations

from temporalio import workflow

# Runs that start with this marker take the new side of every patch in FOLDED.
BASELINE = "momoflow-baseline-2026-12"
FOLDED = frozenset(
    {
        "admit-at-start",
        "patches-decided-before-admission",
        "momo-kind",
        "momo-unknown-since",
        "final-check-at-deadline",
        "worker-status-queue",
        "resend-until-acknowledged",
        "early-status-checks",
        "prioritized-status-checks",
        "final-check-at-reconciliation-end",
        "verify-resolution",
        "status-search-attributes-carry-outcome",
        "webhook-events",
        "webhook-discrepancy-events",
        "cancel-callback-check-priority",
        "subscription-retry-only-failed",
    }
)
_DECIDED = "_momoflow_patch_baseline"


def patched(patch_id: str) -> bool:
    """True when this run takes the new side of ``patch_id``.

    The run's first call decides the baseline. Workflows that ask a patch right after
    their admission ask their first one before it (see ``admit(decide=...)``), so the
    marker lands in the first task; the others ask theirs after a real activity.
    """
    instance = workflow.instance()
    baseline: bool | None = getattr(instance, _DECIDED, None)
    if baseline is None:
        baseline = workflow.patched(BASELINE)
        setattr(instance, _DECIDED, baseline)
    if baseline and patch_id in FOLDED:
        return True
    return workflow.patched(patch_id)
