"""Every committed history replays against today's workflow code.

A failure here means a change would break payments that are running in
production when the new worker starts. Re-record with ``make record-histories``
only for changes that are compatible (or guarded by ``workflow.patched``).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from momoflow.converter import DATA_CONVERTER
from tests.replay.changed_workflow import ChangedRequestToPay
from workflows.registry import WORKFLOWS

# A sandbox MSISDN (467…, 11 digits) standing alone, not a run of digits inside a reference id.
PHONE_NUMBER = re.compile(r"(?<![0-9a-f])467\d{8}(?![0-9a-f])")
HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_from_before_the_deadline_check_still_replay() -> None:
    # Payments started before the last check at the deadline was added must keep replaying.
    assert len([path for path in HISTORIES if path.stem.startswith("legacy-request_to_pay")]) == 5


def test_histories_from_before_resend_until_acknowledged_still_replay() -> None:
    # Payments started before resending until MoMo acknowledged them (and the early checks).
    assert len([path for path in HISTORIES if path.stem.startswith("legacy-before-resend-")]) == 10


def test_histories_from_before_prioritized_checks_still_replay() -> None:
    # Payments started before status checks carried a task-queue priority.
    assert len([path for path in HISTORIES if path.stem.startswith("legacy-before-priority-")]) == 10
    # The recorded ones carry it: a status check with a priority key.
    assert (
        '"priorityKey"' in (Path(__file__).parent / "histories" / "request_to_pay-callback-successful.json").read_text()
    )


def test_histories_cover_every_path_and_workflow_type() -> None:
    names = {path.stem for path in HISTORIES}
    assert {
        "request_to_pay-callback-successful",
        "request_to_pay-callback-rejected",
        "request_to_pay-submit-invalid-currency",
        "request_to_pay-poll-successful",
        "request_to_pay-unknown-resolved",
        "request_to_pay-resolved-contradicted",
    } <= names
    recorded_types = {
        json.loads(path.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
        for path in HISTORIES
    }
    assert recorded_types == {workflow.__temporal_workflow_definition.name for workflow in WORKFLOWS}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER)
    await replayer.replay_workflow(history)


def _search_attribute_values(events: list[dict]) -> list[str]:
    values = []
    for event in events:
        for attributes in event.values():
            if not isinstance(attributes, dict):
                continue
            fields = attributes.get("searchAttributes", {}).get("indexedFields", {})
            values += [base64.b64decode(field["data"]).decode() for field in fields.values()]
    return values


def test_search_attributes_carry_no_phone_number() -> None:
    # Search attributes and workflow ids are never encrypted: they must not carry a payer number.
    for path in HISTORIES:
        events = json.loads(path.read_text())["events"]
        values = _search_attribute_values(events)
        # (An input refused at admission ends before the operation sets any attribute.)
        if (
            path.stem.startswith(("request_to_pay", "request_to_withdraw", "transfer", "invoice"))
            and "refused-at-admission" not in path.stem
        ):
            assert any(value.startswith('"REPLAY-') for value in values), path.stem  # the attributes were found
        assert not any(PHONE_NUMBER.search(value) for value in values), path.stem


async def test_an_incompatible_change_is_caught() -> None:
    """The replay check is real: a workflow that submits differently does not replay."""

    path = HISTORIES[0]
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[ChangedRequestToPay], data_converter=DATA_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None


async def test_a_payment_admitted_under_a_looser_rule_still_replays_once_the_rule_tightens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rules are judged once, at the start (recorded); decoding on replay checks types only."""
    from momoflow import validation
    from momoflow.operations import RequestToPayInput
    from tests.replay.record_admitted import INPUT, MESSAGE_LENGTH, PATH

    monkeypatch.setattr(validation, "MAX_TEXT", 100)
    problems = [str(problem) for problem in RequestToPayInput.model_validate(INPUT).check()]
    assert problems == [f"request.payer_message: at most 100 characters, got {MESSAGE_LENGTH}"]  # refused today
    history = WorkflowHistory.from_json(PATH.stem, PATH.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER)
    await replayer.replay_workflow(history)


def test_a_start_without_input_from_before_the_refusal_moved_to_init_still_replays() -> None:
    # Such a run failed in run(); it now fails in __init__, with the same single command.
    [path] = [path for path in HISTORIES if path.stem.startswith("legacy-before-init-refusal-")]
    events = [event["eventType"] for event in json.loads(path.read_text())["events"]]
    assert events[-1] == "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED"
