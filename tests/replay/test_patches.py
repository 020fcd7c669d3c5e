"""New runs record one patch marker (the baseline); runs from before it keep their own markers."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from momoflow import search_attributes as sa
from workflows import (
    admission,
    invoice,
    observability,
    patches,
    payment_pattern,
    resolution,
    subscription_debit,
    webhook_events,
)

HISTORIES = Path(__file__).parent / "histories"
WORKFLOW_CODE = Path(payment_pattern.__file__).parent


def _patch_ids(name: str) -> list[str]:
    ids = []
    for event in json.loads((HISTORIES / f"{name}.json").read_text())["events"]:
        marker = event.get("markerRecordedEventAttributes", {})
        if marker.get("markerName") == "core_patch":
            payload = marker["details"]["patch-data"]["payloads"][0]["data"]
            ids.append(json.loads(base64.b64decode(payload))["id"])
    return ids


def test_the_baseline_folds_every_patch_the_workflows_define() -> None:
    defined = {
        admission.ADMIT_AT_START,
        admission.DECIDED_BEFORE_ADMISSION,
        observability.MOMO_KIND,
        observability.UNKNOWN_SINCE,
        payment_pattern.FINAL_CHECK_AT_DEADLINE,
        payment_pattern.WORKER_STATUS_QUEUE,
        payment_pattern.RESEND_UNTIL_ACKNOWLEDGED,
        payment_pattern.EARLY_STATUS_CHECKS,
        payment_pattern.PRIORITIZED_CHECKS,
        payment_pattern.FINAL_CHECK_AT_RECONCILIATION_END,
        resolution.VERIFY_RESOLUTION,
        sa.OUTCOME_PATCH,
        webhook_events.WEBHOOK_EVENTS,
        webhook_events.DISCREPANCY_EVENTS,
        invoice.CANCEL_CALLBACK_PRIORITY,
        subscription_debit.RETRY_ONLY_FAILED,
    }
    assert defined == patches.FOLDED


def test_workflows_ask_their_patches_through_the_baseline() -> None:
    direct = [
        path.name
        for path in WORKFLOW_CODE.glob("*.py")
        if path.name != "patches.py" and re.search(r"workflow\.patched\(", path.read_text())
    ]
    assert direct == []


def test_a_run_under_the_baseline_records_one_marker() -> None:
    for name in ("request_to_pay-callback-successful", "transfer", "invoice-paid", "validate-account-holder"):
        assert _patch_ids(name) == [patches.BASELINE], name


def test_a_run_from_before_the_baseline_kept_a_marker_per_patch() -> None:
    # It still replays (test_replay.py) by asking each patch, as it did when it ran.
    ids = _patch_ids("legacy-before-baseline-request_to_pay-callback-successful")
    assert patches.BASELINE not in ids and len(ids) >= 7
