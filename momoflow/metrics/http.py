"""Request counts and latency of an ASGI server, labelled by handler, never by path.

Paths carry tokens and ids; the handler is the route's endpoint name, which is
bounded. Unknown methods collapse into ``other``.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "momoflow_http_requests",
    "HTTP requests a momoflow server answered.",
    ["server", "handler", "method", "status_code"],
)
DURATION = Histogram(
    "momoflow_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["server", "handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    """ASGI middleware: ``HttpMetrics(app, "sandbox")``."""

    def __init__(self, app: Any, server: str) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # The router writes the matched endpoint into the scope it was given.
            handler = getattr(scope.get("endpoint"), "__name__", None) or "unmatched"
            method = scope.get("method", "")
            REQUESTS.labels(self.server, handler, method if method in _METHODS else "other", str(status)).inc()
            DURATION.labels(self.server, handler).observe(time.perf_counter() - started)
