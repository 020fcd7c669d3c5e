"""Rewrite a history as if its worker had heartbeated the workflow task as the admission ended.

A worker that is slow to process its first workflow task (a loaded machine, a
cold sandbox) may complete that task (heartbeat it) just as the admission's
local activity returns: the activity's result marker is recorded in the first
task, while the workflow goes on from that result only in the next one. On
replay the result is handed over one task earlier than it was in the run.
``split_after_admission`` produces that history from one recorded without the
split, by ending the workflow task right after the first local activity marker.
"""

from __future__ import annotations

import copy
import json
from typing import Any

_TASK_EVENTS = ("WORKFLOW_TASK_SCHEDULED", "WORKFLOW_TASK_STARTED", "WORKFLOW_TASK_COMPLETED")


def split_after_admission(history_json: str) -> str:
    """The same history with a workflow task ending right after the first local activity marker."""
    history = json.loads(history_json)
    events: list[dict[str, Any]] = history["events"]
    at = next(
        i
        for i, event in enumerate(events)
        if event.get("markerRecordedEventAttributes", {}).get("markerName") == "core_local_activity"
    )
    if events[at + 1]["eventType"].endswith("WORKFLOW_TASK_SCHEDULED"):
        raise ValueError("the workflow task already ends after the first local activity marker")
    templates = [next(e for e in events if e["eventType"].endswith(kind)) for kind in _TASK_EVENTS]
    inserted_after = int(events[at]["eventId"])
    shift = len(templates)

    def moved(event_id: str) -> str:
        number = int(event_id)
        return str(number + shift if number > inserted_after else number)

    later = [_renumbered(event, moved) for event in events[at + 1 :]]
    scheduled, started, completed = (copy.deepcopy(template) for template in templates)
    ids = [inserted_after + 1, inserted_after + 2, inserted_after + 3]
    for event, event_id in zip((scheduled, started, completed), ids, strict=True):
        event["eventId"] = str(event_id)
        event["eventTime"] = events[at]["eventTime"]
    started["workflowTaskStartedEventAttributes"]["scheduledEventId"] = str(ids[0])
    completed["workflowTaskCompletedEventAttributes"].update(scheduledEventId=str(ids[0]), startedEventId=str(ids[1]))
    # The commands after the marker now belong to the new task.
    for event in later:
        if event["eventType"].endswith(_TASK_EVENTS[0]):
            break
        for attributes in event.values():
            if isinstance(attributes, dict) and "workflowTaskCompletedEventId" in attributes:
                attributes["workflowTaskCompletedEventId"] = str(ids[2])
    history["events"] = [*events[: at + 1], scheduled, started, completed, *later]
    return json.dumps(history)


def _renumbered(event: dict[str, Any], moved: Any) -> dict[str, Any]:
    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if key == "eventId" or key.endswith("EventId"):
            return moved(value)
        return value

    renumbered: dict[str, Any] = walk(event)
    return renumbered
