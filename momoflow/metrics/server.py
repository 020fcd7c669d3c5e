"""The ``METRICS_*`` settings and the listener serving prometheus-client's registry.

Metrics get their own port, never the process's public one: the gateway faces
the internet and the codec server holds keys. Off unless ``METRICS_PORT`` is
set, so replicas on one host never fight over a default port.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class MetricsSettings(BaseSettings):
    """Where a process serves its metrics; empty ports mean off."""

    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="ignore")

    host: str = "127.0.0.1"
    # prometheus-client's registry: MoMo calls, callbacks, HTTP requests, the process itself.
    port: int | None = Field(default=None, ge=0, le=65535)
    path: str = "/metrics"
    # The worker only: the Temporal SDK's exporter (SDK and workflow-level metrics, at /metrics).
    temporal_port: int | None = Field(default=None, ge=0, le=65535)
    # The worker only: how often it counts UNKNOWN operations in visibility (the UNKNOWN gauges); 0 = never.
    unknown_scan_interval_s: float = Field(default=60.0, ge=0)

    @field_validator("port", "temporal_port", mode="before")
    @classmethod
    def _blank_is_off(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("path")
    @classmethod
    def _leading_slash(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"METRICS_PATH must start with '/', got {value!r}")
        return value


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _only(path: str, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def routed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [f"metrics are at {path}\n".encode()]
        return app(environ, start_response)

    return routed


def serve(settings: MetricsSettings) -> WSGIServer | None:
    """Serve the default registry on a daemon thread; None when ``METRICS_PORT`` is unset."""
    if settings.port is None:
        return None
    try:
        server = make_server(
            settings.host,
            settings.port,
            _only(settings.path, make_wsgi_app()),
            server_class=_Server,
            handler_class=_Quiet,
        )
    except OSError as exc:
        raise SystemExit(f"METRICS_PORT={settings.port} on {settings.host}: cannot listen ({exc.strerror})") from exc
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
