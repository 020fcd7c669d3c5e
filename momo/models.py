"""Wire models: the JSON MoMo sends and receives, field for field.

Amounts are ``Decimal`` in code and decimal strings on the wire. Results are
read leniently (unknown fields ignored) because MTN adds fields without notice;
requests are built strictly.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

WireDecimal = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str)]


class PartyIdType(StrEnum):
    MSISDN = "MSISDN"
    EMAIL = "EMAIL"
    PARTY_CODE = "PARTY_CODE"


class TransactionStatus(StrEnum):
    """Statuses MoMo reports; CREATED is undocumented but the sandbox sends it."""

    CREATED = "CREATED"
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"

    @property
    def is_final(self) -> bool:
        return self in (TransactionStatus.SUCCESSFUL, TransactionStatus.FAILED)


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class Party(_Wire):
    party_id_type: PartyIdType = Field(alias="partyIdType")
    party_id: str = Field(alias="partyId")


class ErrorReason(_Wire):
    code: str | None = None
    message: str | None = None


class RequestToPay(_Wire):
    """Body of ``POST /collection/v1_0/requesttopay``."""

    amount: WireDecimal
    currency: str
    external_id: str = Field(alias="externalId")
    payer: Party
    payer_message: str = Field(default="", alias="payerMessage")
    payee_note: str = Field(default="", alias="payeeNote")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class RequestToPayResult(_Wire):
    """``GET /collection/v1_0/requesttopay/{id}``, and the callback body.

    ``reason`` arrives as a bare string on v1 statuses in real traffic and as
    ``{code, message}`` in MTN's own specification; both are read into
    :attr:`reason_code`.
    """

    amount: Decimal | None = None
    currency: str | None = None
    external_id: str | None = Field(default=None, alias="externalId")
    payer: Party | None = None
    payer_message: str | None = Field(default=None, alias="payerMessage")
    payee_note: str | None = Field(default=None, alias="payeeNote")
    status: TransactionStatus
    reason: ErrorReason | None = None
    financial_transaction_id: str | None = Field(default=None, alias="financialTransactionId")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason_any_form(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"code": value}
        return value

    @property
    def reason_code(self) -> str | None:
        return self.reason.code if self.reason else None


class AccessToken(_Wire):
    access_token: str
    token_type: str = "access_token"
    expires_in: int = 3600


class ApiUser(_Wire):
    provider_callback_host: str = Field(alias="providerCallbackHost")
    target_environment: str | None = Field(default=None, alias="targetEnvironment")


class ApiKey(_Wire):
    api_key: str = Field(alias="apiKey")
