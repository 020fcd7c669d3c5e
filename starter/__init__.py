"""The backend-facing facade and CLI: start operations, follow them, read their outcome."""

from momoflow.webhook_signing import WebhookVerificationError, verify_webhook
from starter.facade import IdempotencyConflict, InvoiceHandle, Momoflow, OperationFailed, PaymentHandle, StartError

__all__ = [
    "IdempotencyConflict",
    "InvoiceHandle",
    "Momoflow",
    "OperationFailed",
    "PaymentHandle",
    "StartError",
    "WebhookVerificationError",
    "verify_webhook",
]
