"""momoflow's data converter: Temporal's pydantic JSON converter, refusing unreadable workflow input by name.

A client in any language can start a workflow with bytes that are labelled JSON
but are not. Temporal's converter would raise a ``ValidationError`` that the
worker wraps into a workflow task failure, retried for ever while the caller
waits. For a workflow's input this converter raises ``InvalidRequest`` instead,
which fails the workflow at once, naming the problem; nothing reaches MoMo.
Every other payload (activity results, signals, queries) decodes as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from temporalio.converter import DataConverter

from momoflow.operations import is_workflow_input
from momoflow.validation import InvalidRequest, Problem, decoding_problems


class PayloadConverter(PydanticPayloadConverter):
    def from_payloads(self, payloads: Sequence[Payload], type_hints: list[type] | None = None) -> list[Any]:
        try:
            return super().from_payloads(payloads, type_hints)
        except ValidationError as exc:
            # The input models turn type errors into InvalidRequest themselves (operations.py);
            # what reaches here is a payload pydantic could not even parse as JSON.
            if not any(is_workflow_input(hint) for hint in type_hints or ()):
                raise
            problems = [Problem(problem.field or "input", problem.rule) for problem in decoding_problems(exc)]
            raise InvalidRequest(problems) from None


DATA_CONVERTER: DataConverter = dataclasses.replace(pydantic_data_converter, payload_converter_class=PayloadConverter)
