"""The ASGI app: authenticate the URL, read a small JSON body, signal, answer fast.

Nothing in a callback body is trusted. The gateway passes on only the
reference id bound to the URL and the status the body claims, as a hint; the
workflow confirms by GET before it believes anything. Bad requests get a 4xx,
are logged and counted, and signal nothing.

Every request ends in one outcome, counted in ``momoflow_callbacks_total``
(and in ``/health``): a delivery (:class:`Delivery`) or a refusal
(:data:`REFUSALS`). A rising refusal count means someone is probing the URL.

With tracing on (:mod:`momoflow.tracing`) each callback is a ``callback`` span
with its outcome; the signal it sends is its child and the workflow's
``HandleSignal`` span links to that, across processes.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from opentelemetry import trace
from prometheus_client import Counter as PromCounter
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from callbacks.signaller import Delivery, Signaller
from momoflow.callback_tokens import CallbackSigner, InvalidCallbackToken
from momoflow.logging import get_logger
from momoflow.metrics.http import HttpMetrics
from momoflow.models import ProviderCallback

log = get_logger("callbacks")

_KNOWN_STATUSES = frozenset({"CREATED", "PENDING", "SUCCESSFUL", "FAILED"})
_METHODS = frozenset({"PUT", "POST"})
_ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Why a request signalled nothing: the URL's token is forged or unknown, the body too
# large or not a JSON object, the method not PUT/POST, or the path not a callback URL.
REFUSALS = ("bad_token", "too_large", "bad_json", "wrong_method", "unknown_path")
OUTCOMES = (*(delivery.value for delivery in Delivery), *REFUSALS)

CALLBACKS = PromCounter("momoflow_callbacks", "Callback requests at the gateway, by outcome.", ["outcome"])
for _outcome in OUTCOMES:  # every outcome exists from the start, so rate() sees the first one
    CALLBACKS.labels(_outcome)


_TRACER = trace.get_tracer("callbacks")


class _TooLarge(Exception):
    pass


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(signer: CallbackSigner, signaller: Signaller, max_body_bytes: int = 16_384) -> Starlette:
    counts: Counter[str] = Counter()

    def count(outcome: str) -> None:
        counts[outcome] += 1
        CALLBACKS.labels(outcome).inc()
        trace.get_current_span().set_attribute("momoflow.callback.outcome", outcome)

    def reject(status: int, outcome: str, message: str, **fields: object) -> JSONResponse:
        count(outcome)
        log.warning("callback rejected", outcome=outcome, http_status=status, **fields)
        return JSONResponse({"error": message}, status_code=status)

    async def receive(request: Request) -> JSONResponse:
        # A new trace per callback (MoMo sends no trace context); the URL (a bearer token) is never recorded.
        with _TRACER.start_as_current_span(
            "callback", kind=trace.SpanKind.SERVER, attributes={"http.request.method": request.method[:16]}
        ) as span:
            response = await _receive(request)
            span.set_attribute("http.response.status_code", response.status_code)
            return response

    async def _receive(request: Request) -> JSONResponse:
        if request.method not in _METHODS:
            return reject(405, "wrong_method", "use PUT or POST", method=request.method[:16])
        try:
            target = signer.verify(request.path_params["token"])
        except InvalidCallbackToken as exc:
            return reject(404, "bad_token", "unknown callback url", why=str(exc))
        try:
            raw = await _read_limited(request, max_body_bytes)
        except _TooLarge:
            return reject(
                413, "too_large", f"body larger than {max_body_bytes} bytes", reference_id=target.reference_id
            )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return reject(400, "bad_json", "body is not JSON", reference_id=target.reference_id)
        if not isinstance(body, dict):
            return reject(400, "bad_json", "body must be a JSON object", reference_id=target.reference_id)

        claimed = body.get("status")
        hint = ProviderCallback(
            reference_id=target.reference_id,
            status=claimed if isinstance(claimed, str) and claimed in _KNOWN_STATUSES else None,
            received_at=datetime.now(UTC),
        )
        delivery = await signaller.deliver(target.workflow_id, hint)
        count(delivery.value)
        log.info(
            "callback received",
            reference_id=target.reference_id,
            workflow_id=target.workflow_id,
            claimed_status=hint.status,
            delivery=delivery.value,
            method=request.method,
        )
        if delivery is Delivery.UNAVAILABLE:
            return JSONResponse({"error": "temporarily unavailable"}, status_code=503, headers={"Retry-After": "5"})
        return JSONResponse({"status": "accepted"})

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "callbacks": dict(counts)})

    async def unknown(request: Request) -> JSONResponse:
        return reject(404, "unknown_path", "not found", method=request.method[:16])

    app = Starlette(
        routes=[
            # Every method reaches ``receive``, so a wrong one is counted, not just answered.
            Route("/callbacks/{token}", receive, methods=_ANY_METHOD),
            Route("/health", health, methods=["GET"]),
            Route("/{path:path}", unknown, methods=_ANY_METHOD),
        ],
        middleware=[Middleware(HttpMetrics, server="callbacks")],
    )
    app.state.counts = counts
    return app
