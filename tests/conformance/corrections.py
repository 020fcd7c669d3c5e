"""Where MTN's OpenAPI exports disagree with MTN's real platform, and the fix applied in memory.

The exports in ``mtn/`` stay untouched; :func:`corrected` returns a copy with
each correction below applied. Every correction names what the export says,
what the platform does, and why we believe the platform.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

SPECS = Path(__file__).parent / "mtn"
Spec = dict[str, Any]


def _responses(spec: Spec) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (path, method, status, response)
        for path, operations in spec.get("paths", {}).items()
        for method, operation in operations.items()
        for status, response in operation.get("responses", {}).items()
    ]


def only_real_media_types(spec: Spec) -> None:
    """Response ``content`` maps list APIM example names ("ReferenceId already in use", …) as media types,
    sometimes with the only schema filed under such a name. Only ``application/json`` is a media type
    the platform sends; a schema filed under a fake name is moved there."""
    for _path, _method, _status, response in _responses(spec):
        content = response.get("content")
        if not content:
            continue
        real = content.get("application/json")
        if real is None or "schema" not in real:
            real = next((entry for entry in content.values() if "schema" in entry), real)
        response["content"] = {"application/json": real} if real is not None else {}


def empty_creation_bodies(spec: Spec) -> None:
    """201 and 202 answers declare ``application/json`` content with no schema; the platform sends
    an empty body (``Content-Length: 0``, measured), so they declare no content."""
    for _path, _method, status, response in _responses(spec):
        if status in ("201", "202") and not any("schema" in entry for entry in response.get("content", {}).values()):
            response.pop("content", None)


def api_user_is_documented(spec: Spec) -> None:
    """``GET /v1_0/apiuser/{id}`` documents its 200 without a schema; the platform returns an ApiUserResult."""
    operation = spec.get("paths", {}).get("/v1_0/apiuser/{X-Reference-Id}", {}).get("get")
    if operation:
        operation["responses"]["200"]["content"] = {
            "application/json": {"schema": {"$ref": "#/components/schemas/ApiUserResult"}}
        }


def open_error_codes(spec: Spec) -> None:
    """``ErrorReason.code`` enumerates 17 codes; the platform also sends others
    (``COULD_NOT_PERFORM_TRANSACTION``, ``TRANSACTION_NOT_FOUND``, …), so any string is allowed."""
    reason = spec["components"]["schemas"].get("ErrorReason")
    if reason:
        reason["properties"]["code"].pop("enum", None)


def v1_reason_is_a_string(spec: Spec) -> None:
    """v1 transaction statuses type ``reason`` as an ErrorReason object; real responses send a
    bare code string. Both forms are accepted."""
    for name in ("RequestToPayResult", "TransferResult", "RefundResult"):
        schema = spec["components"]["schemas"].get(name)
        if schema and "reason" in schema.get("properties", {}):
            original = schema["properties"]["reason"]
            schema["properties"]["reason"] = {"oneOf": [{"type": "string"}, original]}


def preapproval_expiry_is_a_string(spec: Spec) -> None:
    """``PreApprovalResult.expirationDateTime`` is typed integer but described, and sent, as a date-time string."""
    schema = spec["components"]["schemas"].get("PreApprovalResult")
    if schema:
        schema["properties"]["expirationDateTime"] = {"type": "string"}


def one_invoice_path(spec: Spec) -> None:
    """``/v2_0/invoice/{x-referenceId}`` (GET) and ``/v2_0/invoice/{referenceId}`` (DELETE) are the same
    path under two names, which no router can tell apart; they are merged under ``{referenceId}``."""
    paths = spec.get("paths", {})
    getter = paths.pop("/v2_0/invoice/{x-referenceId}", None)
    if getter is None:
        return
    for operation in getter.values():
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path":
                parameter["name"] = "referenceId"
    paths.setdefault("/v2_0/invoice/{referenceId}", {}).update(getter)


def cancel_invoice_answers_202(spec: Spec) -> None:
    """CancelInvoice documents 200; the platform was measured answering 202, as every other
    asynchronous operation does. Both are accepted."""
    operation = spec.get("paths", {}).get("/v2_0/invoice/{referenceId}", {}).get("delete")
    if operation:
        operation["responses"].setdefault("202", {"description": "Accepted"})


def api_user_result_fields(spec: Spec) -> None:
    """``ApiUserResult.targetEnvironment`` is declared as an object ``{apiKey}``; the platform returns
    the string ``"sandbox"`` and omits ``paymentServerUrl``."""
    schema = spec["components"]["schemas"].get("ApiUserResult")
    if schema:
        schema["properties"]["targetEnvironment"] = {"type": "string"}
        schema["properties"].pop("paymentServerUrl", None)


def account_holder_answers_a_boolean(spec: Spec) -> None:
    """``/accountholder/{type}/{id}/active`` files its 200 under a fake media type with no schema;
    the platform returns ``{"result": true|false}``, the export's own BooleanResult."""
    operation = spec.get("paths", {}).get("/v1_0/accountholder/{accountHolderIdType}/{accountHolderId}/active", {})
    if "get" in operation and "BooleanResult" in spec["components"]["schemas"]:
        operation["get"]["responses"]["200"]["content"] = {
            "application/json": {"schema": {"$ref": "#/components/schemas/BooleanResult"}}
        }


def id_types_in_lower_case(spec: Spec) -> None:
    """``basicuserinfo`` enumerates ``MSISDN``, ``Email``, …; every other account-holder path, the
    clients and the measured sandbox use lower case (``msisdn``). Both spellings are accepted."""
    for path, operations in spec.get("paths", {}).items():
        if "/accountholder/" not in path:
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("name") == "accountHolderIdType" and "enum" in schema:
                    schema["enum"] = sorted({*schema["enum"], *(value.lower() for value in schema["enum"])})


def delivery_notification_answer_may_be_empty(spec: Spec) -> None:
    """``RequesttoPayDeliveryNotification`` declares its 200 ("Notification successfully enqueued") as
    ``application/json`` with no schema, so no body can be checked against it. No captured answer shows
    a body and MTN's own SDKs read none; an empty 200 (what the sandbox sends) is accepted."""
    operation = spec.get("paths", {}).get("/v1_0/requesttopay/{referenceId}/deliverynotification", {}).get("post")
    if operation:
        operation["responses"]["200"].pop("content", None)


CORRECTIONS: list[Callable[[Spec], None]] = [
    only_real_media_types,
    empty_creation_bodies,
    api_user_is_documented,
    open_error_codes,
    v1_reason_is_a_string,
    preapproval_expiry_is_a_string,
    one_invoice_path,
    cancel_invoice_answers_202,
    api_user_result_fields,
    account_holder_answers_a_boolean,
    id_types_in_lower_case,
    delivery_notification_answer_may_be_empty,
]


def load(name: str) -> Spec:
    return json.loads((SPECS / f"apim-openapi3__{name}.json").read_text())


def corrected(name: str, server_url: str) -> Spec:
    """The named export with every correction applied, served from ``server_url``."""
    spec = copy.deepcopy(load(name))
    for correction in CORRECTIONS:
        correction(spec)
    spec["servers"] = [{"url": server_url}]
    return spec
