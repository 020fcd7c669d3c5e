"""Keep phone numbers and names out of logs.

A number is reduced to its last four digits; anything else that identifies a
person is replaced entirely. Used by the log pipeline and anywhere a party is
rendered for humans.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

_DIGIT_RUN = re.compile(r"\+?\d[\d ]{6,}\d")
# Keys whose values are personal data wherever they appear in a log event.
_PARTY_KEYS = frozenset({"payer", "payee", "msisdn", "party_id", "partyid", "phone", "intended_payer", "name"})
# Identifiers that are not personal data and must stay greppable.
_ID_KEYS = frozenset({"timestamp", "reference_id", "workflow_id", "run_id", "external_id", "financial_transaction_id"})
_SECRET_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "authorization",
        "access_token",
        "token",
        "secret",
        "subscription_key",
        "ocp-apim-subscription-key",
        "password",
        "callback_url",
    }
)


def mask_msisdn(value: str) -> str:
    """``46733123454`` → ``*******3454``: enough to recognise, not to dial."""
    digits = re.sub(r"\D", "", value)
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_text(text: str) -> str:
    """Mask every run of seven or more digits in free text."""
    return _DIGIT_RUN.sub(lambda m: mask_msisdn(m.group(0)), text)


def mask_value(key: str, value: Any) -> Any:
    """Mask one log field according to what its key says it holds."""
    lowered = key.lower()
    if lowered in _SECRET_KEYS:
        return "[redacted]"
    if lowered in _PARTY_KEYS:
        return _mask_party(value)
    if lowered in _ID_KEYS:
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    return value


def _mask_party(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: (_mask_id(v) if str(k).lower() in {"partyid", "party_id"} else v) for k, v in value.items()}
    if hasattr(value, "party_id"):
        return {"party_id_type": getattr(value, "party_id_type", None), "party_id": _mask_id(value.party_id)}
    if isinstance(value, str):
        return _mask_id(value)
    return "[masked]"


def _mask_id(value: Any) -> str:
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_msisdn(text) if any(ch.isdigit() for ch in text) else "[masked]"


def mask_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask every field of the event dict."""
    for key in list(event.keys()):
        event[key] = mask_value(key, event[key])
    return event
