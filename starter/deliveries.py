"""Delivery notifications from the caller's side: which note key a note goes under.

A note is sent once per key and payment (the workflow id ends with the key). Callers
with a natural key (a receipt number) pass it; otherwise the key is a digest of the
message and language, so repeating the same call never sends the same note twice.
"""

from __future__ import annotations

import hashlib

from momoflow.operations import DeliveryNotificationInput, check_note_key


def note_key(inp: DeliveryNotificationInput, given: str | None) -> str:
    """The caller's note key once checked (``ValueError`` naming it), or one derived from the note."""
    if given is not None:
        check_note_key(given)
        return given
    digest = hashlib.sha256(f"{inp.language or ''}\n{inp.message}".encode()).hexdigest()
    return f"m{digest[:16]}"
