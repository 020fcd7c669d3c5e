"""One way to connect to Temporal, so every process reaches the same cluster with the same data converter.

Where and how to connect come from Temporal's standard client configuration
(``temporalio.envconfig``, the variables and profile file the ``temporal`` CLI
reads too): ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``,
``TEMPORAL_TLS*`` and profiles in ``TEMPORAL_CONFIG_FILE`` / ``TEMPORAL_PROFILE``.
So the same worker reaches the local dev server, a self-hosted cluster behind
mTLS or Temporal Cloud without a code change. With nothing set it is the dev
server at 127.0.0.1:7233, namespace ``default``, in plain gRPC.

Connection failures come back from the SDK as transport errors ("invalid
compression flag", "h2 protocol error"); :func:`connect` turns them into one
line that says which address refused what, and which variable to set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client, Interceptor
from temporalio.envconfig import ClientConfigProfile
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from momoflow.codec import with_codec
from momoflow.converter import DATA_CONVERTER
from momoflow.settings import CodecSettings, MissingCodecKey, TemporalSettings

DEFAULT_ADDRESS = "127.0.0.1:7233"
DEFAULT_NAMESPACE = "default"

# Temporal's standard client variables (documented in .env.example).
ENVCONFIG_VARIABLES = (
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_CERT_DATA",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_DATA",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_CONFIG_FILE",
    "TEMPORAL_PROFILE",
)
_CERT_SETTINGS = (
    "TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or the profile's tls.client_cert/client_key)"
)


class TemporalSetupError(Exception):
    """This process cannot talk to Temporal; the message is one line saying what to set."""


class TemporalConfigError(TemporalSetupError, ValueError):
    """The configuration is unusable before any connection is tried (bad profile, unreadable file, no codec key)."""


class TemporalConnectError(TemporalSetupError, RuntimeError):
    """The server could not be reached or refused this client (a ``RuntimeError``, as the SDK's own errors are)."""


@dataclass(frozen=True)
class ConnectPlan:
    """Everything :func:`connect` passes to ``Client.connect``, checked without touching the network."""

    address: str
    namespace: str
    tls: bool | TLSConfig
    api_key: str | None
    rpc_metadata: Mapping[str, str]
    codec_keys: str

    @property
    def client_certificate(self) -> bool:
        return isinstance(self.tls, TLSConfig) and self.tls.client_cert is not None

    def describe(self) -> str:
        """Where and how, without secrets: for messages and logs."""
        if self.tls is False:
            transport = "plain gRPC, no TLS"
        elif self.client_certificate:
            transport = "TLS with a client certificate"
        else:
            transport = "TLS without a client certificate"
        key = ", API key set" if self.api_key else ""
        return f"{self.address} (namespace {self.namespace}, {transport}{key})"

    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"namespace": self.namespace, "tls": self.tls, "rpc_metadata": dict(self.rpc_metadata)}
        if self.api_key:
            kwargs["api_key"] = self.api_key
        return kwargs


def plan(
    settings: TemporalSettings | None = None,
    codec: CodecSettings | None = None,
    environ: Mapping[str, str] | None = None,
) -> ConnectPlan:
    """Read Temporal's client configuration and the payload keys; raise :class:`TemporalConfigError` if unusable.

    ``environ`` defaults to this process's environment. An address or namespace
    set explicitly on ``settings`` wins over the configuration (tests, devstack).
    """
    settings = settings or TemporalSettings()
    codec = codec or CodecSettings()
    env = {key: value for key, value in (os.environ if environ is None else environ).items() if value != ""}
    config_file = env.get("TEMPORAL_CONFIG_FILE")
    if config_file and not Path(config_file).exists():
        # The SDK would silently fall back to no file and connect somewhere else.
        raise TemporalConfigError(f"TEMPORAL_CONFIG_FILE: no file at {Path(config_file).resolve()}")
    try:
        profile = ClientConfigProfile.load(override_env_vars=env)
    except Exception as exc:  # the native loader raises its own ConfigError type
        where = f"profile {env.get('TEMPORAL_PROFILE', 'default')!r}"
        raise TemporalConfigError(
            f"Temporal client configuration ({where}, TEMPORAL_CONFIG_FILE/TEMPORAL_PROFILE): {_one_line(exc)}"
        ) from None
    try:
        config = profile.to_client_connect_config()
    except OSError as exc:
        raise TemporalConfigError(
            f"Temporal TLS: cannot read {exc.filename}: {exc.strerror}; check TEMPORAL_TLS_*_PATH"
            " (or the profile's tls paths)"
        ) from None
    try:
        codec_keys = codec.payload_keys()
    except MissingCodecKey as exc:
        raise TemporalConfigError(str(exc)) from None
    return ConnectPlan(
        address=settings.address or config.get("target_host") or DEFAULT_ADDRESS,
        namespace=settings.namespace or config.get("namespace") or DEFAULT_NAMESPACE,
        tls=config.get("tls", False),
        api_key=config.get("api_key") or None,
        rpc_metadata=config.get("rpc_metadata", {}),
        codec_keys=codec_keys,
    )


async def connect(
    settings: TemporalSettings | None = None,
    codec: CodecSettings | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    runtime: Runtime | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Client:
    """A client with the pydantic converter and payload encryption, connected as configured (see :func:`plan`).

    ``runtime`` is the worker's, carrying the Prometheus exporter; None is the SDK's default.
    ``interceptors`` apply to the client's calls and to workers built on it (trace propagation,
    see :mod:`momoflow.tracing`).
    """
    target = plan(settings, codec, environ)
    try:
        return await Client.connect(
            target.address,
            data_converter=with_codec(DATA_CONVERTER, target.codec_keys),
            runtime=runtime,
            interceptors=interceptors,
            **target.connect_kwargs(),
        )
    except RuntimeError as exc:
        raise TemporalConnectError(explain(target, str(exc))) from exc


def explain(target: ConnectPlan, error: str) -> str:
    """One line for a failed connection: what was tried, what the server refused, what to set."""
    text = error.lower()
    if any(mark in text for mark in ("connection refused", "tcp connect error", "dns error", "failed to lookup")):
        reason = "nothing answers there; is Temporal running? Set TEMPORAL_ADDRESS to its host:port"
    elif (
        "401 unauthorized" in text or "unauthenticated" in text or "403 forbidden" in text or "permissiondenied" in text
    ):
        reason = (
            "the server refused the API key in TEMPORAL_API_KEY"
            if target.api_key
            else "the server requires an API key: set TEMPORAL_API_KEY"
        )
    elif target.tls is not False and (
        "400 bad request" in text or "certificaterequired" in text or "certificate required" in text
    ):
        reason = (
            f"the server refused the client certificate; check {_CERT_SETTINGS}"
            if target.client_certificate
            else f"the server requires a client certificate (mTLS): set {_CERT_SETTINGS}"
        )
    elif target.tls is not False and (
        "unknownissuer" in text or "invalidcertificate" in text or "badsignature" in text
    ):
        if "notvalidforname" in text:
            reason = "the server's certificate does not name this address: set TEMPORAL_TLS_SERVER_NAME"
        else:
            reason = "the server's certificate is not trusted: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA"
    elif target.tls is not False and (
        "invalidcontenttype" in text or "corrupt message" in text or "wrong version" in text
    ):
        reason = (
            "the server does not speak TLS: unset TEMPORAL_TLS, TEMPORAL_TLS_* and TEMPORAL_API_KEY"
            " or check TEMPORAL_ADDRESS"
        )
    elif target.tls is False and any(
        mark in text
        for mark in ("h2 protocol error", "frame_size_error", "invalid compression flag", "400 bad request")
    ):
        reason = (
            "the server expects TLS: set TEMPORAL_TLS=true, TEMPORAL_TLS_SERVER_CA_CERT_PATH for a private CA,"
            f" and {_CERT_SETTINGS} if it requires a client certificate, or TEMPORAL_API_KEY"
        )
    elif target.tls is False and "connection closed" in text:
        # nginx and other TLS terminators may simply hang up on a plaintext client.
        reason = (
            "the server closed the connection; if it expects TLS: set TEMPORAL_TLS=true,"
            f" TEMPORAL_TLS_SERVER_CA_CERT_PATH for a private CA, and {_CERT_SETTINGS} if it requires a client"
            " certificate, or TEMPORAL_API_KEY"
        )
    elif "namespace" in text and "not found" in text:
        reason = "the namespace does not exist there: set TEMPORAL_NAMESPACE"
    else:
        reason = _one_line(error, limit=300)
    return f"cannot connect to Temporal at {target.describe()}: {reason}"


def _one_line(error: object, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
