"""The ASGI app: authenticate the URL, read a small JSON body, signal, answer fast.

Nothing in a callback body is trusted. The gateway passes on only the
reference id bound to the URL and the status the body claims, as a hint; the
workflow confirms by GET before it believes anything. Bad requests get a 4xx,
are logged and counted, and signal nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from callbacks.signaller import Delivery, Signaller
from momoflow.callback_tokens import CallbackSigner, InvalidCallbackToken
from momoflow.logging import get_logger
from momoflow.models import ProviderCallback

log = get_logger("callbacks")

_KNOWN_STATUSES = frozenset({"CREATED", "PENDING", "SUCCESSFUL", "FAILED"})


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

    def reject(status: int, outcome: str, message: str, **fields: object) -> JSONResponse:
        counts[outcome] += 1
        log.warning("callback rejected", outcome=outcome, http_status=status, **fields)
        return JSONResponse({"error": message}, status_code=status)

    async def receive(request: Request) -> JSONResponse:
        try:
            target = signer.verify(request.path_params["token"])
        except InvalidCallbackToken as exc:
            return reject(404, "bad_token", "unknown callback url", why=str(exc))
        try:
            raw = await _read_limited(request, max_body_bytes)
        except _TooLarge:
            return reject(413, "too_large", f"body larger than {max_body_bytes} bytes", reference_id=target.reference_id)
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
        counts[delivery.value] += 1
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

    app = Starlette(
        routes=[
            Route("/callbacks/{token}", receive, methods=["PUT", "POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
    app.state.counts = counts
    return app
