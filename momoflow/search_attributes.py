"""Custom search attributes that make payments findable in the Web UI.

They must exist on the server before a workflow sets them: devstack registers
them on the dev server, docker-compose on the cluster, tests on their own
servers. They also let the starter read an operation's state from the server
while no worker answers queries. None of them ever holds a phone number: the
reason is MoMo's code and the financial transaction id MoMo's own id.
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

STATUS = SearchAttributeKey.for_keyword("MomoStatus")
PRODUCT = SearchAttributeKey.for_keyword("MomoProduct")
REFERENCE_ID = SearchAttributeKey.for_keyword("MomoReferenceId")
EXTERNAL_ID = SearchAttributeKey.for_keyword("MomoExternalId")
REASON = SearchAttributeKey.for_keyword("MomoReason")
FINANCIAL_TRANSACTION_ID = SearchAttributeKey.for_keyword("MomoFinancialTransactionId")
# MoMo's final status when it contradicts an operator's resolution (set only then).
DISCREPANCY = SearchAttributeKey.for_keyword("MomoDiscrepancy")
# "payment" for operations that move money or mandates, "lookup" for the synchronous queries.
KIND = SearchAttributeKey.for_keyword("MomoKind")
# Set by the WebhookDelivery workflows: DELIVERING, DELIVERED or FAILED (an endpoint gave up or
# answered 410 Gone), and the ids of the events the run carries (``webhooks resend <id>`` finds it).
WEBHOOK_STATE = SearchAttributeKey.for_keyword("MomoWebhookState")
WEBHOOK_EVENT_IDS = SearchAttributeKey.for_keyword_list("MomoWebhookEventIds")
# When the operation became UNKNOWN (set with that status): the worker's UNKNOWN-age gauge reads it.
UNKNOWN_SINCE = SearchAttributeKey.for_datetime("MomoUnknownSince")
ALL = (
    STATUS,
    PRODUCT,
    REFERENCE_ID,
    EXTERNAL_ID,
    REASON,
    FINANCIAL_TRANSACTION_ID,
    DISCREPANCY,
    KIND,
    WEBHOOK_STATE,
    WEBHOOK_EVENT_IDS,
    UNKNOWN_SINCE,
)

# Patch id: a status change also sets the reason and financial transaction id (same upsert).
OUTCOME_PATCH = "status-search-attributes-carry-outcome"
# Far below the server's limit on a keyword value, which would fail the workflow task.
MAX_VALUE_LENGTH = 200


def outcome(reason: str | None, financial_transaction_id: str | None) -> list[SearchAttributeUpdate[Any]]:
    """The outcome fields that are set, as updates to send with the status."""
    updates: list[SearchAttributeUpdate[Any]] = []
    if reason:
        updates.append(REASON.value_set(reason[:MAX_VALUE_LENGTH]))
    if financial_transaction_id:
        updates.append(FINANCIAL_TRANSACTION_ID.value_set(financial_transaction_id[:MAX_VALUE_LENGTH]))
    return updates


def type_name(key: SearchAttributeKey) -> str:  # type: ignore[type-arg]
    """The type as Temporal's CLI spells it (``Keyword``, ``KeywordList``, ``Datetime``)."""
    if key is WEBHOOK_EVENT_IDS:
        return "KeywordList"
    return "Datetime" if key is UNKNOWN_SINCE else "Keyword"


def dev_server_flags() -> list[str]:
    """``--search-attribute`` flags for ``temporal server start-dev``."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={type_name(key)}"]
    return flags
