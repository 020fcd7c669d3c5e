"""Sandbox configuration, read from ``SANDBOX_*`` environment variables.

Timings default to a couple of seconds so a human watching a demo sees
PENDING before SUCCESSFUL; tests shrink them to milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sandbox.controls.faults import FaultSettings

# The MoMo products the simulator knows. An API user, a token and a subscription key each
# belong to exactly one; keeping the list in one place keeps routes and counters in step.
Product = Literal["collection", "disbursement", "remittance"]
PRODUCTS: Final[tuple[Product, ...]] = ("collection", "disbursement", "remittance")

TARGET_ENVIRONMENT: Final = "sandbox"


@dataclass(frozen=True)
class PresetApiUser:
    """An API user that exists from start-up, so a container needs no provisioning step."""

    user_id: str
    api_key: str
    provider_callback_host: str
    product: Product

    def __repr__(self) -> str:  # keeps the API key out of tracebacks and logs
        return f"PresetApiUser(user_id={self.user_id!r}, product={self.product!r})"


def parse_preset_api_users(raw: str) -> list[PresetApiUser]:
    """Parse ``id:key:callbackHost:product`` entries separated by commas.

    The callback host may itself contain colons (``http://host:8091``), so the
    first two fields are split from the left and the product from the right.
    """
    users: list[PresetApiUser] = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        head = entry.split(":", 2)
        if len(head) != 3 or ":" not in head[2]:
            raise ValueError("each preset API user must look like apiUserId:apiKey:providerCallbackHost:product")
        user_id, api_key, rest = head
        host, product = rest.rsplit(":", 1)
        if not user_id or not api_key or not host:
            raise ValueError("preset API user entries need a non-empty id, key and callback host")
        if product not in PRODUCTS:
            raise ValueError(
                f"preset API user {user_id!r}: unknown product {product!r}; use one of {', '.join(PRODUCTS)}"
            )
        users.append(PresetApiUser(user_id, api_key, host, product))
    return users


def parse_fault_settings(raw: str) -> FaultSettings:
    """Read the start-up fault settings (a JSON object; empty means no faults)."""
    if not raw.strip():
        return FaultSettings()
    return FaultSettings.model_validate_json(raw)


class SandboxSettings(BaseSettings):
    """Everything the simulator can be told; see the field comments for meaning."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)
    # How long an ordinary payer takes to approve (and a failing test number to fail).
    approval_delay_s: float = Field(default=2.0, ge=0)
    # How long the "Delayed" test number (46733123454) takes to succeed.
    delayed_approval_s: float = Field(default=5.0, ge=0)
    token_ttl_s: int = Field(default=3600, gt=0)
    collection_subscription_key: SecretStr = SecretStr("sandbox-collection-key")
    disbursement_subscription_key: SecretStr = SecretStr("sandbox-disbursement-key")
    remittance_subscription_key: SecretStr = SecretStr("sandbox-remittance-key")
    callbacks_enabled: bool = True
    # MTN's spec types ``reason`` as an object; the live sandbox sends a bare string.
    reason_format: Literal["string", "object"] = "string"
    # Status GETs allowed per API user per rolling second; None means unlimited.
    status_rate_limit_per_s: float | None = Field(default=None, gt=0)
    # How long one callback delivery may take before it counts as failed.
    callback_timeout_s: float = Field(default=5.0, gt=0)
    # When False, ordinary payers never decide by themselves: only the customer side
    # (/sandbox/customer) approves, rejects or pays; undecided requests time out.
    auto_decide: bool = True
    # How long an undecided request-to-pay (or pre-approval) waits when auto_decide is off.
    approval_timeout_s: float = Field(default=300.0, gt=0)
    # How long an invoice cancellation (DELETE) takes to succeed or fail.
    cancel_delay_s: float = Field(default=0.5, ge=0)
    # A SUCCESSFUL request-to-pay takes delivery notifications for this long (then 410), and
    # answers 429 to a note sent sooner than this after the last accepted one (MTN gives neither).
    delivery_notification_window_s: float = Field(default=86400.0, gt=0)
    delivery_notification_interval_s: float = Field(default=5.0, ge=0)
    # Every API user's accounts open with these EUR balances.
    collection_opening_balance: Decimal = Field(default=Decimal("0"), ge=0, allow_inf_nan=False)
    disbursement_opening_balance: Decimal = Field(default=Decimal("1000000"), ge=0, allow_inf_nan=False)
    remittance_opening_balance: Decimal = Field(default=Decimal("1000000"), ge=0, allow_inf_nan=False)
    preset_api_users: str = ""
    faults: str = ""
    # A JSON file the sandbox keeps its state in (users, tokens, operations, ledger) across
    # restarts; empty keeps everything in memory only, as MTN promises nothing more.
    state_file: str = ""
    # How often the state file is brought up to date (it is also written at shutdown).
    state_save_interval_s: float = Field(default=1.0, gt=0)

    @field_validator("status_rate_limit_per_s", mode="before")
    @classmethod
    def _blank_means_unlimited(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in {"", "none", "null"}:
            return None
        return value

    @field_validator("preset_api_users")
    @classmethod
    def _check_presets(cls, value: str) -> str:
        parse_preset_api_users(value)
        return value

    @field_validator("faults")
    @classmethod
    def _check_faults(cls, value: str) -> str:
        try:
            parse_fault_settings(value)
        except ValidationError as exc:
            raise ValueError(f"SANDBOX_FAULTS is not valid fault settings: {exc}") from exc
        return value

    def subscription_keys(self) -> dict[Product, str]:
        return {
            "collection": self.collection_subscription_key.get_secret_value(),
            "disbursement": self.disbursement_subscription_key.get_secret_value(),
            "remittance": self.remittance_subscription_key.get_secret_value(),
        }

    def preset_users(self) -> list[PresetApiUser]:
        return parse_preset_api_users(self.preset_api_users)

    def fault_settings(self) -> FaultSettings:
        return parse_fault_settings(self.faults)
