"""Unguessable callback URLs, one per payment.

MoMo callbacks carry no signature, so the URL itself is the credential: it
names the workflow and the reference id and carries an HMAC over both made
with a secret only momoflow knows. A URL for one payment cannot be turned into
a URL for another, and a forged one is refused before anything is signalled.

The secret set is a list of ``key-id:secret`` pairs; the first one signs and
all of them verify, so secrets rotate without stranding in-flight payments.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

_VERSION = "v1"


class InvalidCallbackToken(Exception):
    """The token is malformed, signed with an unknown key, or its MAC does not match."""


@dataclass(frozen=True)
class CallbackTarget:
    workflow_id: str
    reference_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_secrets(spec: str) -> list[tuple[str, bytes]]:
    """Read ``kid:secret,kid:secret``; raise ValueError naming the problem."""
    pairs: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        kid, sep, secret = item.partition(":")
        if not sep or not kid or not secret:
            raise ValueError("CALLBACK_SECRETS: each entry must be 'key-id:secret'")
        if not kid.isalnum():
            raise ValueError(f"CALLBACK_SECRETS: key id {kid!r} must be letters and digits")
        if len(secret) < 16:
            raise ValueError(f"CALLBACK_SECRETS: secret for key {kid!r} must be at least 16 characters")
        pairs.append((kid, secret.encode()))
    if not pairs:
        raise ValueError("CALLBACK_SECRETS: at least one 'key-id:secret' entry is required")
    return pairs


class CallbackSigner:
    def __init__(self, secrets: list[tuple[str, bytes]]) -> None:
        self._signing_kid, self._signing_secret = secrets[0]
        self._by_kid = dict(secrets)

    @classmethod
    def from_spec(cls, spec: str) -> CallbackSigner:
        return cls(parse_secrets(spec))

    @staticmethod
    def _mac(secret: bytes, kid: str, workflow_id: str, reference_id: str) -> str:
        message = "\n".join((_VERSION, kid, workflow_id, reference_id)).encode()
        return _b64(hmac.new(secret, message, hashlib.sha256).digest())

    def token(self, workflow_id: str, reference_id: str) -> str:
        mac = self._mac(self._signing_secret, self._signing_kid, workflow_id, reference_id)
        return ".".join((_VERSION, self._signing_kid, _b64(workflow_id.encode()), reference_id, mac))

    def url(self, public_base_url: str, workflow_id: str, reference_id: str) -> str:
        return f"{public_base_url.rstrip('/')}/callbacks/{self.token(workflow_id, reference_id)}"

    def verify(self, token: str) -> CallbackTarget:
        parts = token.split(".")
        if len(parts) != 5 or parts[0] != _VERSION:
            raise InvalidCallbackToken("malformed token")
        _, kid, wf_b64, reference_id, mac = parts
        secret = self._by_kid.get(kid)
        if secret is None:
            raise InvalidCallbackToken("unknown key id")
        try:
            workflow_id = _unb64(wf_b64).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise InvalidCallbackToken("malformed workflow id") from None
        expected = self._mac(secret, kid, workflow_id, reference_id)
        if not hmac.compare_digest(expected.encode(), mac.encode()):
            raise InvalidCallbackToken("signature mismatch")
        return CallbackTarget(workflow_id=workflow_id, reference_id=reference_id)
