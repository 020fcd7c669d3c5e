"""The backend-facing facade and CLI: start payments, follow them, read their outcome."""

from starter.facade import IdempotencyConflict, Momoflow, PaymentHandle, StartError

__all__ = ["IdempotencyConflict", "Momoflow", "PaymentHandle", "StartError"]
