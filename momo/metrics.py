"""Prometheus metrics of the MoMo client: calls, latency, Retry-After advice, token renewals.

The metrics live in prometheus-client's default registry, so any process that
uses the client (with or without Temporal) exposes them by serving that
registry. Labels take only bounded values: the product, an operation name
from :data:`OPERATIONS`, an HTTP status code or a transport outcome. A path,
reference id, phone number or credential never becomes a label.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Histogram

# (method, path below the product) → operation name; ids in paths are matched, never kept.
OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), name)
    for method, pattern, name in (
        ("POST", r"/token/?", "create_access_token"),
        ("POST", r"/v1_0/requesttopay", "request_to_pay"),
        ("GET", r"/v1_0/requesttopay/[^/]+", "get_request_to_pay_status"),
        ("POST", r"/v1_0/requesttopay/[^/]+/deliverynotification", "request_to_pay_delivery_notification"),
        ("POST", r"/v[12]_0/requesttowithdraw", "request_to_withdraw"),
        ("GET", r"/v1_0/requesttowithdraw/[^/]+", "get_request_to_withdraw_status"),
        ("POST", r"/v2_0/preapproval", "pre_approval"),
        ("GET", r"/v2_0/preapproval/[^/]+", "get_pre_approval_status"),
        ("GET", r"/v1_0/preapprovals/[^/]+/[^/]+", "get_approved_pre_approvals"),
        ("DELETE", r"/v1_0/preapproval/[^/]+", "cancel_pre_approval"),
        ("POST", r"/v2_0/invoice", "create_invoice"),
        ("GET", r"/v2_0/invoice/[^/]+", "get_invoice_status"),
        ("DELETE", r"/v2_0/invoice/[^/]+", "cancel_invoice"),
        ("POST", r"/v1_0/transfer", "transfer"),
        ("GET", r"/v1_0/transfer/[^/]+", "get_transfer_status"),
        ("POST", r"/v[12]_0/refund", "refund"),
        ("GET", r"/v1_0/refund/[^/]+", "get_refund_status"),
        ("GET", r"/v1_0/account/balance(/[^/]+)?", "get_account_balance"),
        ("GET", r"/v1_0/accountholder/[^/]+/[^/]+/active", "validate_account_holder_status"),
        ("GET", r"/v1_0/accountholder/msisdn/[^/]+/basicuserinfo", "get_basic_user_info"),
    )
)
PRODUCTS = frozenset({"collection", "disbursement", "remittance"})

REQUESTS = Counter(
    "momoflow_momo_requests",
    "HTTP calls to the MoMo Open API, by answer (an HTTP status code, or timeout / network_error).",
    ["product", "operation", "status_code"],
)
REQUEST_DURATION = Histogram(
    "momoflow_momo_request_duration_seconds",
    "Time from sending a MoMo call to its answer (or failure).",
    ["product", "operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
RETRY_AFTER = Histogram(
    "momoflow_momo_retry_after_seconds",
    "Waits MoMo asked for with Retry-After (on 429 and 5xx); Temporal waits that long before the retry.",
    ["product", "operation", "status_code"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)
TOKEN_RENEWALS = Counter(
    "momoflow_momo_token_renewals",
    "Bearer tokens asked for, by outcome (success or failure).",
    ["product", "outcome"],
)
TOKENS_REFUSED = Counter(
    "momoflow_momo_tokens_refused",
    "Bearer tokens MoMo refused with 401 before they expired (the client renews once).",
    ["product"],
)

# Failures exist at zero from the start, so increase() sees the first one.
for _product in ("collection", "disbursement"):
    TOKEN_RENEWALS.labels(_product, "failure")
    TOKENS_REFUSED.labels(_product)


def operation_of(method: str, path: str) -> str:
    """The operation name of a call below the product (``/v1_0/requesttopay/<id>`` → get_request_to_pay_status)."""
    clean = path.split("?", 1)[0]
    for expected, pattern, name in OPERATIONS:
        if method == expected and pattern.fullmatch(clean):
            return name
    return "other"


def product_label(product: str) -> str:
    return product if product in PRODUCTS else "other"


def observe_call(product: str, method: str, path: str, outcome: str, seconds: float) -> None:
    """Count one call; ``outcome`` is the HTTP status code or timeout / network_error."""
    product, operation = product_label(product), operation_of(method, path)
    REQUESTS.labels(product, operation, outcome).inc()
    REQUEST_DURATION.labels(product, operation).observe(seconds)


def observe_retry_after(product: str, method: str, path: str, status_code: int, seconds: float) -> None:
    RETRY_AFTER.labels(product_label(product), operation_of(method, path), str(status_code)).observe(seconds)


def observe_token_renewal(product: str, ok: bool) -> None:
    TOKEN_RENEWALS.labels(product_label(product), "success" if ok else "failure").inc()


def observe_token_refused(product: str) -> None:
    TOKENS_REFUSED.labels(product_label(product)).inc()
