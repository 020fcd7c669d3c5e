"""In-memory state: API users, access tokens and operations.

Nothing survives a restart unless a state file is configured (see
:mod:`sandbox.world.persistence`); MTN's sandbox promises nothing more. The
store only keeps and finds records; deciding who may see what is the job of
the callers. Reference ids share one namespace across every kind of
operation and every API user, so a reused X-Reference-Id is always a 409.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from sandbox.settings import Product
from sandbox.world.operations import Invoice, Operation, PreApproval, RequestToPay, party_lookup_id


class AlreadyExistsError(KeyError):
    """The id is taken; MTN answers 409 RESOURCE_ALREADY_EXIST."""


@dataclass
class ApiUser:
    user_id: str
    provider_callback_host: str
    product: Product  # the product whose subscription key created it; the only one it may use
    api_key: str | None = field(default=None, repr=False)  # the latest key; earlier ones stop working


@dataclass(frozen=True)
class IssuedToken:
    api_user_id: str
    product: Product
    expires_at: float  # monotonic clock


def new_numeric_id() -> str:
    """A ten-digit numeric string, like the ids MTN's sandbox returns."""
    return str(1_000_000_000 + secrets.randbelow(9_000_000_000))


class SandboxStore:
    """Dictionaries with the lookups the routes need; ids are compared case-insensitively."""

    def __init__(self) -> None:
        self._api_users: dict[str, ApiUser] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._operations: dict[str, Operation] = {}
        # Requests, pre-approvals and invoices by the id of the customer who must act on them.
        self._by_customer: defaultdict[str, list[Operation]] = defaultdict(list)
        self._invoices_by_payment_reference: dict[str, Invoice] = {}

    @staticmethod
    def _key(identifier: str) -> str:
        return identifier.strip().lower()

    def add_api_user(self, user: ApiUser) -> None:
        key = self._key(user.user_id)
        if key in self._api_users:
            raise AlreadyExistsError(user.user_id)
        self._api_users[key] = user

    def api_user(self, user_id: str) -> ApiUser | None:
        return self._api_users.get(self._key(user_id))

    def api_user_ids(self) -> list[str]:
        return [user.user_id for user in self._api_users.values()]

    def add_token(self, token: str, issued: IssuedToken, now: float) -> None:
        if len(self._tokens) >= 10_000:  # keep a long-running sandbox from growing without bound
            self._tokens = {t: i for t, i in self._tokens.items() if i.expires_at > now}
        self._tokens[token] = issued

    def token(self, token: str) -> IssuedToken | None:
        return self._tokens.get(token)

    def add_operation(self, operation: Operation) -> None:
        key = self._key(operation.reference_id)
        if key in self._operations:
            raise AlreadyExistsError(operation.reference_id)
        self._operations[key] = operation
        customer = _customer_of(operation)
        if customer is not None:
            self._by_customer[party_lookup_id(customer)].append(operation)
        if isinstance(operation, Invoice):
            self._invoices_by_payment_reference[operation.payment_reference] = operation

    def has_operation(self, reference_id: str) -> bool:
        return self._key(reference_id) in self._operations

    def operation(self, reference_id: str) -> Operation | None:
        return self._operations.get(self._key(reference_id))

    def operations(self) -> list[Operation]:
        return list(self._operations.values())

    def customer_operations(self, party_id: str) -> Iterator[Operation]:
        """Requests and pre-approvals addressed to, and invoices meant for, this customer id."""
        return iter(list(self._by_customer.get(party_lookup_id(party_id), ())))

    def invoice_by_payment_reference(self, payment_reference: str) -> Invoice | None:
        return self._invoices_by_payment_reference.get(payment_reference.strip())

    def new_payment_reference(self) -> str:
        while True:
            candidate = new_numeric_id()
            if candidate not in self._invoices_by_payment_reference:
                return candidate


def _customer_of(operation: Operation) -> str | None:
    if isinstance(operation, RequestToPay):
        return operation.request.party.party_id
    if isinstance(operation, PreApproval):
        return operation.request.payer.party_id
    if isinstance(operation, Invoice):
        return operation.request.intended_payer.party_id
    return None
