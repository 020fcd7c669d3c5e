"""The MoMo products the simulator knows.

An API user, a token and a subscription key each belong to exactly one of
these; keeping the list in one place keeps the routes and counters in step.
"""

from __future__ import annotations

from typing import Final, Literal

Product = Literal["collection", "disbursement"]
PRODUCTS: Final[tuple[Product, ...]] = ("collection", "disbursement")

TARGET_ENVIRONMENT: Final = "sandbox"
