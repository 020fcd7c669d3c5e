"""``python -m callbacks``: run the callback gateway."""

from __future__ import annotations

import argparse

import uvicorn

from callbacks.app import create_app
from callbacks.signaller import TemporalSignaller
from momoflow import tracing
from momoflow.callback_tokens import CallbackSigner
from momoflow.logging import configure_logging
from momoflow.metrics import server as metrics_server
from momoflow.settings import CallbackSettings, MissingCodecKey, TemporalSettings
from momoflow.temporal import TemporalSetupError, plan


def main() -> None:
    settings = CallbackSettings()
    parser = argparse.ArgumentParser(prog="python -m callbacks", description="MoMo callback gateway")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args()
    configure_logging("callbacks")
    metrics_server.serve(metrics_server.MetricsSettings())
    tracing.configure("callbacks")  # before the signaller connects, so signals carry the trace
    signer = CallbackSigner.from_spec(settings.secrets.get_secret_value())
    temporal = TemporalSettings()
    try:
        # Connects on the first callback, but refuses to start now without a payload key or a usable config.
        plan(temporal)
    except (TemporalSetupError, MissingCodecKey) as exc:
        raise SystemExit(f"callbacks: {exc}") from None
    app = create_app(signer, TemporalSignaller(temporal), settings.max_body_bytes)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
