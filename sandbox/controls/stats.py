"""Counters a test reads to check how a client behaved.

"Exactly one accepted POST per reference id" or "no token minted per
payment" are properties of the client, visible only from the server side.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sandbox.settings import PRODUCTS


@dataclass
class CallbackCounts:
    sent: int = 0  # deliveries answered with a 2xx
    failed: int = 0  # deliveries that got no answer or a non-2xx answer
    dropped: int = 0  # callbacks the fault injector swallowed
    duplicated: int = 0  # callbacks the fault injector sent twice


@dataclass
class SandboxStats:
    tokens_issued: Counter[str] = field(default_factory=lambda: Counter({p: 0 for p in PRODUCTS}))
    # Per X-Reference-Id (lower case), over every creation: request-to-pay, transfer,
    # pre-approval, invoice and invoice cancellation (DELETE).
    posts_accepted: Counter[str] = field(default_factory=Counter)
    posts_rejected_duplicate: Counter[str] = field(default_factory=Counter)
    # Answered (200) status GETs per reference id: request-to-pay, transfer, pre-approval, invoice.
    status_gets: Counter[str] = field(default_factory=Counter)
    status_rate_limited: int = 0
    # Accepted delivery notifications per request-to-pay reference id.
    delivery_notifications: Counter[str] = field(default_factory=Counter)
    callbacks: CallbackCounts = field(default_factory=CallbackCounts)
    faults_injected: int = 0

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy, so a caller never holds live counters."""
        return {
            "tokens_issued": dict(self.tokens_issued),
            "posts_accepted": dict(self.posts_accepted),
            "posts_rejected_duplicate": dict(self.posts_rejected_duplicate),
            "status_gets": dict(self.status_gets),
            "status_rate_limited": self.status_rate_limited,
            "delivery_notifications": dict(self.delivery_notifications),
            "callbacks": {
                "sent": self.callbacks.sent,
                "failed": self.callbacks.failed,
                "dropped": self.callbacks.dropped,
                "duplicated": self.callbacks.duplicated,
            },
            "faults_injected": self.faults_injected,
        }
