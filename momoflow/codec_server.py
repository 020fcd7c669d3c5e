"""``python -m momoflow.codec_server``: lets the Temporal Web UI show decrypted payloads.

Implements the UI's remote codec protocol (``POST /decode`` and ``/encode``
with a JSON ``{"payloads": [...]}`` body). The server holds the keys, so it is
itself the secret: bind it to a private address, and set
``CODEC_SERVER_TOKEN`` so only callers presenting that bearer token (the UI
can forward its user's token) get plaintext.
"""

from __future__ import annotations

import argparse
import hmac

import uvicorn
from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

from momoflow.codec import CodecKeyError, EncryptionCodec
from momoflow.logging import configure_logging, get_logger
from momoflow.metrics import server as metrics_server
from momoflow.metrics.http import HttpMetrics
from momoflow.settings import CodecSettings

log = get_logger("codec_server")
_ALLOWED_HEADERS = "content-type,x-namespace,authorization"


def create_app(codec: PayloadCodec, cors_origins: list[str], token: str = "") -> Starlette:
    def cors(request: Request) -> dict[str, str]:
        origin = request.headers.get("origin", "")
        if origin not in cors_origins:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": _ALLOWED_HEADERS,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }

    def authorised(request: Request) -> bool:
        if not token:
            return True
        presented = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(presented.encode(), token.encode())

    async def handle(request: Request) -> Response:
        headers = cors(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
        if not authorised(request):
            log.warning("codec request refused", path=request.url.path)
            return JSONResponse({"error": "unauthorised"}, status_code=401, headers=headers)
        try:
            payloads = json_format.Parse(await request.body(), Payloads())
        except (json_format.ParseError, UnicodeDecodeError):
            return JSONResponse({"error": 'body must be {"payloads": [...]}'}, status_code=400, headers=headers)
        try:
            if request.url.path.endswith("/encode"):
                result = await codec.encode(payloads.payloads)
            else:
                result = await codec.decode(payloads.payloads)
        except CodecKeyError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422, headers=headers)
        body = json_format.MessageToJson(Payloads(payloads=result))
        return Response(body, media_type="application/json", headers=headers)

    return Starlette(
        routes=[
            Route("/decode", handle, methods=["POST", "OPTIONS"]),
            Route("/encode", handle, methods=["POST", "OPTIONS"]),
            Route("/health", lambda _r: JSONResponse({"status": "ok"}), methods=["GET"]),
        ]
    )


def main() -> None:
    settings = CodecSettings()
    parser = argparse.ArgumentParser(prog="python -m momoflow.codec_server", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args()
    configure_logging("codec_server")
    keys = settings.key_spec()
    if not keys:
        raise SystemExit(settings.missing_key_message(writing=False))
    origins = [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]
    app = create_app(EncryptionCodec.from_spec(keys), origins, settings.server_token.get_secret_value())
    metrics_server.serve(metrics_server.MetricsSettings())
    uvicorn.run(HttpMetrics(app, "codec"), host=args.host, port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
