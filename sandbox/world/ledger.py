"""Each API user's two EUR accounts: money collected and money to pay out.

A balance read must agree with what the partner was told about payments:
every SUCCESSFUL request-to-pay or paid invoice has credited the collection
account, every SUCCESSFUL transfer has debited the disbursement account, and
a transfer the account cannot cover fails with NOT_ENOUGH_FUNDS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sandbox.settings import PRODUCTS, Product


def format_balance(amount: Decimal) -> str:
    """``Decimal("1000.50")`` → ``"1000.5"``: the normalised decimal string MTN echoes."""
    return format(amount.normalize(), "f") if amount else "0"


class Ledger:
    """Balances per (API user, product); an account opens with its product's opening balance."""

    def __init__(self, opening: Mapping[Product, Decimal]) -> None:
        self._opening = dict(opening)
        self._balances: dict[tuple[str, Product], Decimal] = {}

    @staticmethod
    def _key(user_id: str, product: Product) -> tuple[str, Product]:
        return user_id.strip().lower(), product

    def balance(self, user_id: str, product: Product) -> Decimal:
        return self._balances.get(self._key(user_id, product), self._opening[product])

    def credit(self, user_id: str, product: Product, amount: Decimal) -> None:
        self._balances[self._key(user_id, product)] = self.balance(user_id, product) + amount

    def try_debit(self, user_id: str, product: Product, amount: Decimal) -> bool:
        """Take ``amount`` if the account covers it; False (and no change) otherwise."""
        available = self.balance(user_id, product)
        if available < amount:
            return False
        self._balances[self._key(user_id, product)] = available - amount
        return True

    def snapshot(self, user_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        return {uid: {p: format_balance(self.balance(uid, p)) for p in PRODUCTS} for uid in user_ids}
