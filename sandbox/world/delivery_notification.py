"""Delivery notifications: a note to the payer of a completed request-to-pay.

MTN documents the answers (200 enqueued; 409 the transaction is not
successfully completed; 410 the opportunity has expired; 429 too many
attempts for the same id, "only if a successful attempt has previously been
performed") but not the windows behind them; the sandbox's choices are
``delivery_notification_window_s`` after the payment became SUCCESSFUL, and
``delivery_notification_interval_s`` between two accepted notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from momoflow.logging import get_logger
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import OperationStatus, RequestToPay

log = get_logger("sandbox.payments")


class Verdict(StrEnum):
    SENT = "SENT"
    NOT_COMPLETED = "NOT_COMPLETED"  # 409
    EXPIRED = "EXPIRED"  # 410
    TOO_SOON = "TOO_SOON"  # 429


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    retry_after_s: float = 0.0


def notify_payer(life: Lifecycle, payment: RequestToPay, message: str, language: str | None) -> Outcome:
    """Send ``message`` to the payer if the payment allows it now; the caller settled the world first."""
    settings = life.settings
    now = life.now()
    if payment.status is not OperationStatus.SUCCESSFUL or payment.finished_at is None:
        return Outcome(Verdict.NOT_COMPLETED)
    if now >= payment.finished_at + settings.delivery_notification_window_s:
        return Outcome(Verdict.EXPIRED)
    if payment.notified_at is not None:
        wait = payment.notified_at + settings.delivery_notification_interval_s - now
        if wait > 0:
            return Outcome(Verdict.TOO_SOON, retry_after_s=wait)
    payment.notes.append(message)
    payment.notified_at = now
    log.info(
        "delivery_notification_sent",
        reference_id=payment.reference_id,
        payer_masked=payment.request.party.masked(),
        language=language,
        length=len(message),
        count=len(payment.notes),
    )
    return Outcome(Verdict.SENT)
