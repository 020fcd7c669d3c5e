"""A run whose first workflow task was heartbeated as its admission returned still replays.

On a loaded worker the admission's local activity can be recorded in the first
workflow task while the workflow goes on from it in the next (see
:mod:`tests.replay.heartbeat`). Patches the run reaches right after the admission
are decided before it, so such a history replays like any other.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from momoflow.converter import DATA_CONVERTER
from tests.replay.heartbeat import split_after_admission
from workflows.registry import WORKFLOWS

HISTORIES = Path(__file__).parent / "histories"


def _splittable(path: Path) -> bool:
    events = json.loads(path.read_text())["events"]
    for i, event in enumerate(events):
        if event.get("markerRecordedEventAttributes", {}).get("markerName") == "core_local_activity":
            return not events[i + 1]["eventType"].endswith("WORKFLOW_TASK_SCHEDULED")
    return False


CURRENT = sorted(path for path in HISTORIES.glob("*.json") if not path.stem.startswith("legacy") and _splittable(path))


async def _replay(path: Path) -> str | None:
    history = WorkflowHistory.from_json(path.stem, split_after_admission(path.read_text()))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return None if result.replay_failure is None else str(result.replay_failure)


def test_every_kind_of_admitted_run_is_covered() -> None:
    types = {json.loads(path.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
             for path in CURRENT}  # fmt: skip
    assert {"RequestToPay", "RequestToWithdraw", "Transfer", "Refund", "ValidateAccountHolder", "GetBalance",
            "DeliveryNotification", "SubscriptionDebit"} <= types  # fmt: skip


@pytest.mark.parametrize("path", CURRENT, ids=lambda p: p.stem)
async def test_a_run_heartbeated_as_its_admission_returned_replays(path: Path) -> None:
    assert await _replay(path) is None


async def test_before_the_patch_such_a_run_did_not_replay() -> None:
    # What the patch fixes: the same split of a run recorded before it fails on momo-kind.
    failure = await _replay(HISTORIES / "legacy-before-decided-patches-request_to_withdraw-callback-successful.json")
    assert failure is not None and "patch marker encountered for change momo-kind" in failure
