"""momoflow's data converter: Temporal's pydantic JSON converter, refusing unreadable workflow input by name.

A client in any language can start a workflow with bytes that are labelled JSON
but are not, or bytes in another encoding (``binary/plain`` decodes to ``bytes``
whatever the workflow expects). Temporal's converter would fail the workflow task,
retried for ever while the caller waits. For a workflow's input this converter
raises ``InvalidRequest`` instead, which fails the workflow at once, naming the
problem; nothing reaches MoMo.
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

from momoflow.operations import workflow_input_model
from momoflow.validation import InvalidRequest, Problem, decoding_problems

_NOT_JSON = "send the workflow's input as a JSON object, encoding json/plain"


class PayloadConverter(PydanticPayloadConverter):
    def from_payloads(self, payloads: Sequence[Payload], type_hints: list[type] | None = None) -> list[Any]:
        models = [workflow_input_model(hint) for hint in type_hints or ()]
        if not any(models):
            return super().from_payloads(payloads, type_hints)
        try:
            values = super().from_payloads(payloads, type_hints)
        except InvalidRequest:
            raise  # a JSON object that breaks the input's types (operations.py)
        except ValidationError as exc:
            # What reaches here is a payload pydantic could not even parse as JSON.
            raise InvalidRequest(decoding_problems(exc)) from None
        except Exception as exc:
            # An encoding no converter reads (Temporal says which); nothing was decoded.
            raise InvalidRequest([Problem("input", f"{_NOT_JSON}; {exc}")]) from None
        for value, model in zip(values, models, strict=False):
            if model is not None and value is not None and not isinstance(value, model):
                # binary/plain decodes to bytes whatever the hint; other encodings may too.
                raise InvalidRequest([Problem("input", f"{_NOT_JSON}, got {type(value).__name__}")])
        return values


DATA_CONVERTER: DataConverter = dataclasses.replace(pydantic_data_converter, payload_converter_class=PayloadConverter)
