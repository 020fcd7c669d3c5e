"""Encrypt workflow inputs, results, signals and queries in Temporal's history (AES-256-GCM).

Payments carry phone numbers and names; the Temporal server and anyone who can
read its database or Web UI should see ciphertext. Each payload records the id
of the key that encrypted it, so keys rotate without a flag day: the first key
in ``CODEC_KEYS`` encrypts, every listed key decrypts.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE = 12


class CodecKeyError(ValueError):
    """A payload names a key this process does not have, or fails authentication."""


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """Read ``kid:base64key,kid:base64key``; each key must be 32 bytes (AES-256)."""
    keys: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        if not sep or not kid.isalnum():
            raise ValueError("CODEC_KEYS: each entry must be 'key-id:base64-key' with a letters-and-digits key id")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"CODEC_KEYS: key {kid!r} is not valid base64") from None
        if len(key) != 32:
            raise ValueError(f"CODEC_KEYS: key {kid!r} must be 32 bytes (AES-256), got {len(key)}")
        keys.append((kid, key))
    if not keys:
        raise ValueError("CODEC_KEYS: at least one 'key-id:base64-key' entry is required")
    return keys


def new_key_spec(kid: str = "k1") -> str:
    """A fresh ``kid:base64key`` entry, for ``CODEC_KEYS``."""
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        self._active_kid, active = keys[0]
        self._active = AESGCM(active)
        self._by_kid = {kid: AESGCM(key) for kid, key in keys}

    @classmethod
    def from_spec(cls, spec: str) -> EncryptionCodec:
        return cls(parse_keys(spec))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        encoded = []
        for payload in payloads:
            nonce = os.urandom(_NONCE)
            sealed = self._active.encrypt(nonce, payload.SerializeToString(), self._active_kid.encode())
            encoded.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID: self._active_kid.encode()}, data=nonce + sealed)
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # written before encryption was enabled
                continue
            kid = payload.metadata.get(KEY_ID, b"").decode()
            cipher = self._by_kid.get(kid)
            if cipher is None:
                raise CodecKeyError(f"payload encrypted with key {kid!r}, which is not in CODEC_KEYS")
            try:
                plain = cipher.decrypt(payload.data[:_NONCE], payload.data[_NONCE:], kid.encode())
            except InvalidTag:
                raise CodecKeyError(f"payload encrypted with key {kid!r} failed authentication") from None
            decoded.append(Payload.FromString(plain))
        return decoded


def with_codec(converter: DataConverter, codec_keys: str) -> DataConverter:
    """The converter, encrypting with ``codec_keys`` when any are configured."""
    if not codec_keys.strip():
        return converter
    return dataclasses.replace(converter, payload_codec=EncryptionCodec.from_spec(codec_keys))
