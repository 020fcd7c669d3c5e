"""Configuration from environment variables (documented in .env.example).

Each process reads only the group it needs, so the gateway never sees MoMo
credentials and the sandbox never sees Temporal settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from momoflow.contract import status_task_queue


class TemporalSettings(BaseSettings):
    """Which task queues momoflow uses; where and how to connect is Temporal's own client configuration.

    ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``, ``TEMPORAL_TLS*`` and
    profile files are read by ``momoflow.temporal`` through ``temporalio.envconfig``. ``address``
    and ``namespace`` here only override that configuration when set in code.
    """

    model_config = SettingsConfigDict(env_prefix="TEMPORAL_", extra="ignore")

    address: str | None = None
    namespace: str | None = None
    task_queue: str = "momoflow"

    def status_queue(self, product: str) -> str:
        """Status GETs run on one queue per product, derived from the main queue, so the server
        can cap their rate per credential and no caller can route around it."""
        return status_task_queue(self.task_queue, product)


class MomoSettings(BaseSettings):
    """The MoMo Open API endpoint and one credential set per product."""

    model_config = SettingsConfigDict(env_prefix="MOMO_", extra="ignore")

    base_url: str = "http://127.0.0.1:8090"
    target_environment: str = "sandbox"
    collection_subscription_key: SecretStr = SecretStr("")
    collection_api_user: str = ""
    collection_api_key: SecretStr = SecretStr("")
    disbursement_subscription_key: SecretStr = SecretStr("")
    disbursement_api_user: str = ""
    disbursement_api_key: SecretStr = SecretStr("")
    remittance_subscription_key: SecretStr = SecretStr("")
    remittance_api_user: str = ""
    remittance_api_key: SecretStr = SecretStr("")
    # The whole of one MoMo call, token included; at most 20 s so a submit attempt always ends
    # within its 30 s activity start-to-close.
    http_timeout_s: float = Field(default=20.0, gt=0, le=20)
    # MTN asks partners to renew tokens about ten minutes before their 60-minute expiry.
    token_refresh_margin_s: float = Field(default=600.0, ge=0)
    # MTN caps status GETs at 10/s per credential; stay below that across all workers. One budget
    # per product, shared by task-queue priority: callbacks' checks first, background polls last.
    status_checks_per_second: float = Field(default=8.0, gt=0)
    # Which refund POST the worker uses: v2 (MoMo calls back with PUT) or v1 (with POST).
    refund_api_version: Literal["v1", "v2"] = "v2"

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


class CallbackSettings(BaseSettings):
    """How callback URLs are built (worker) and verified (gateway).

    ``secrets`` is a comma-separated list of ``key-id:secret`` pairs. The first
    signs new URLs; all of them verify, so a secret can be rotated while
    payments signed with the old one are still in flight.
    """

    model_config = SettingsConfigDict(env_prefix="CALLBACK_", extra="ignore")

    public_url: str = "http://127.0.0.1:8091"
    secrets: SecretStr = SecretStr("dev:insecure-development-secret-change-me")
    host: str = "127.0.0.1"
    port: int = Field(default=8091, ge=0, le=65535)
    max_body_bytes: int = Field(default=16_384, gt=0)

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost")


class WebhookSettings(BaseSettings):
    """Where the worker POSTs each final status of an operation, signed, and how hard it tries.

    ``endpoints`` is a comma-separated list of URLs: https, or http to a loopback host
    (tests, a local receiver). ``secrets`` is ``key-id:secret`` pairs; every one of them
    signs (one ``v1`` each), so a merchant rotates by adding the new secret, switching
    the receiver, then removing the old one. Nothing configured: no webhooks.
    """

    model_config = SettingsConfigDict(env_prefix="WEBHOOK_", extra="ignore")

    endpoints: str = ""
    secrets: SecretStr = SecretStr("")
    # Put the payer's or payee's MSISDN (or email, party code) in events: off, since it is personal data.
    include_party: bool = False
    timeout_s: float = Field(default=10.0, gt=0)
    retry_initial_s: float = Field(default=30.0, gt=0)
    retry_max_interval_s: float = Field(default=3600.0, gt=0)
    # Keep retrying an endpoint this long (three days) before the delivery counts as FAILED.
    give_up_after_s: float = Field(default=3 * 24 * 3600.0, gt=0)

    @field_validator("endpoints")
    @classmethod
    def _check_endpoints(cls, value: str) -> str:
        from urllib.parse import urlsplit

        for url in (part.strip() for part in value.split(",") if part.strip()):
            parts = urlsplit(url)
            loopback = (parts.hostname or "") in _LOOPBACK_HOSTS or (parts.hostname or "").startswith("127.")
            if parts.scheme == "http" and not loopback:
                raise ValueError(f"WEBHOOK_ENDPOINTS: {url!r} must use https (http only to a loopback host)")
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ValueError(f"WEBHOOK_ENDPOINTS: {url!r} is not an https URL")
        return value

    @property
    def endpoint_list(self) -> list[str]:
        return [part.strip() for part in self.endpoints.split(",") if part.strip()]

    def signing_secrets(self) -> list[bytes]:
        from momoflow.webhook_signing import parse_secrets

        return [secret for _, secret in parse_secrets(self.secrets.get_secret_value())]

    @property
    def enabled(self) -> bool:
        return bool(self.endpoint_list)

    def check(self) -> None:
        """Refuse endpoints without a secret: unsigned webhooks would let anyone fake a payment."""
        if self.enabled and not self.signing_secrets():
            raise ValueError("WEBHOOK_SECRETS: at least one 'key-id:secret' is required when WEBHOOK_ENDPOINTS is set")

    @classmethod
    def load(cls) -> WebhookSettings:
        """From the environment, checked; a bad value raises ``WebhookConfigError`` in one line."""
        from pydantic import ValidationError

        try:
            settings = cls()
            settings.check()
        except ValidationError as exc:
            raise WebhookConfigError(
                "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
            ) from None
        except ValueError as exc:
            raise WebhookConfigError(str(exc)) from None
        return settings


class WebhookConfigError(ValueError):
    """The webhook settings are unusable; the message names the variable and the problem."""


class PaymentDefaults(BaseSettings):
    """What the starter assumes: the timing of the payment pattern (each request can override
    it) and the MoMo target environment, whose rules it checks before starting anything."""

    model_config = SettingsConfigDict(env_prefix="PAYMENT_", extra="ignore", populate_by_name=True)

    target_environment: str = Field(default="sandbox", validation_alias="MOMO_TARGET_ENVIRONMENT")
    callback_timeout_s: float = Field(default=60.0, gt=0)
    poll_interval_s: float = Field(default=5.0, gt=0)
    deadline_s: float = Field(default=900.0, gt=0)


class MissingCodecKey(ValueError):
    """No payload key is configured and plain text was not chosen: writing payloads would expose them."""


# The folder holding momoflow's source (where ``make run`` keeps ``data/``), when running from a checkout.
_SOURCE_TREE = Path(__file__).resolve().parent.parent


class CodecSettings(BaseSettings):
    """Payload encryption (every process that talks to Temporal) and the codec server for the Web UI.

    ``keys`` is a comma-separated list of ``key-id:base64-32-byte-key``; the first
    encrypts, all decrypt. Without a key, a process refuses to connect unless
    ``allow_plaintext`` says payloads may be stored in plain text.
    """

    model_config = SettingsConfigDict(env_prefix="CODEC_", extra="ignore")

    keys: SecretStr = SecretStr("")
    # Read when ``keys`` is empty; ``make run`` keeps its key there, so a shell talks to the local
    # stack without exporting anything. A relative path is taken from the project folder (the
    # checkout holding pyproject.toml), not from wherever the command runs; from an installed
    # copy without that folder, from the working folder. Empty disables the file.
    keys_file: str = "data/codec-keys"
    # Without a key, store workflow inputs and results (phone numbers, names) readable in
    # Temporal's history. Only for tests or a deliberate choice; keys win when both are set.
    allow_plaintext: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8092, ge=0, le=65535)
    # When set, the codec server requires ``Authorization: Bearer <token>``.
    server_token: SecretStr = SecretStr("")
    # Web UI origins allowed to call the codec server from the browser.
    cors_origins: str = "http://127.0.0.1:8233,http://localhost:8233"

    def key_file_path(self) -> Path | None:
        """Where the key file is looked for, as an absolute path (None when disabled)."""
        if not self.keys_file:
            return None
        path = Path(self.keys_file).expanduser()
        if not path.is_absolute():
            base = _SOURCE_TREE if (_SOURCE_TREE / "pyproject.toml").is_file() else Path.cwd()
            path = base / path
        return path.resolve()

    def key_spec(self) -> str:
        """The configured keys, or the key file's content when no keys are set ("" when there are none)."""
        keys = self.keys.get_secret_value().strip()
        path = self.key_file_path()
        if keys or path is None:
            return keys
        return path.read_text().strip() if path.is_file() else ""

    def payload_keys(self) -> str:
        """The keys for a process that writes payloads: "" only when plain text was chosen, else refuse."""
        keys = self.key_spec()
        if keys or self.allow_plaintext:
            return keys
        raise MissingCodecKey(self.missing_key_message())

    def missing_key_message(self, writing: bool = True) -> str:
        """Where the key was looked for and how to set it (``writing``: also how to choose plain text)."""
        path = self.key_file_path()
        if path is None:
            looked = "CODEC_KEYS is empty and CODEC_KEYS_FILE is empty"
        elif path.is_file():
            looked = f"CODEC_KEYS is empty and the key file {path} (CODEC_KEYS_FILE) is empty"
        else:
            looked = f"CODEC_KEYS is empty and there is no key file at {path} (CODEC_KEYS_FILE)"
        how = (
            "Set CODEC_KEYS to the key the other momoflow processes use ('key-id:base64-key'; a new one:"
            ' python -c "from momoflow.codec import new_key_spec; print(new_key_spec())"),'
            " or CODEC_KEYS_FILE to a file holding it"
        )
        if writing:
            how += ", or CODEC_ALLOW_PLAINTEXT=true to store phone numbers and names unencrypted in Temporal's history"
        return f"no payload encryption key: {looked}. {how}"
