"""In-memory state: API users, access tokens and request-to-pay transactions.

Nothing survives a restart, as nothing in MTN's sandbox is promised to. The
store only keeps and finds records; deciding who may see what is the job of
the callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.products import Product
from sandbox.scenarios import Timeline


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


@dataclass(frozen=True)
class Party:
    party_id_type: str
    party_id: str

    def as_json(self) -> dict[str, str]:
        return {"partyIdType": self.party_id_type, "partyId": self.party_id}


@dataclass(frozen=True)
class RequestToPayInput:
    """A validated request-to-pay body."""

    amount: Decimal
    currency: str
    external_id: str | None
    payer: Party
    payer_message: str | None
    payee_note: str | None


@dataclass(frozen=True)
class RequestToPay:
    reference_id: str
    api_user_id: str
    request: RequestToPayInput
    timeline: Timeline
    financial_transaction_id: str  # shown only once SUCCESSFUL
    callback_url: str | None = field(default=None, repr=False)


class SandboxStore:
    """Dictionaries with the lookups the routes need; ids are compared case-insensitively."""

    def __init__(self) -> None:
        self._api_users: dict[str, ApiUser] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._payments: dict[str, RequestToPay] = {}

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

    def add_token(self, token: str, issued: IssuedToken, now: float) -> None:
        if len(self._tokens) >= 10_000:  # keep a long-running sandbox from growing without bound
            self._tokens = {t: i for t, i in self._tokens.items() if i.expires_at > now}
        self._tokens[token] = issued

    def token(self, token: str) -> IssuedToken | None:
        return self._tokens.get(token)

    def add_payment(self, payment: RequestToPay) -> None:
        key = self._key(payment.reference_id)
        if key in self._payments:
            raise AlreadyExistsError(payment.reference_id)
        self._payments[key] = payment

    def has_payment(self, reference_id: str) -> bool:
        return self._key(reference_id) in self._payments

    def payment(self, reference_id: str) -> RequestToPay | None:
        return self._payments.get(self._key(reference_id))
