"""``python -m sandbox [--host H] [--port P]``: serve the simulator with uvicorn.

Everything else is configured through ``SANDBOX_*`` environment variables
(see :mod:`sandbox.settings`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from momoflow.logging import configure_logging, get_logger
from momoflow.metrics import server as metrics_server
from momoflow.metrics.http import HttpMetrics
from sandbox.app import create_app
from sandbox.settings import SandboxSettings


def parse_args(argv: Sequence[str] | None, defaults: SandboxSettings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Local MTN MoMo Open API simulator.")
    parser.add_argument("--host", default=defaults.host, help=f"interface to bind (default {defaults.host})")
    parser.add_argument("--port", type=int, default=defaults.port, help=f"port to bind (default {defaults.port})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    configure_logging("sandbox")
    settings = SandboxSettings()
    args = parse_args(argv, settings)
    settings = settings.model_copy(update={"host": args.host, "port": args.port})
    get_logger("sandbox").info("sandbox_listening", host=settings.host, port=settings.port)
    metrics_server.serve(metrics_server.MetricsSettings())
    uvicorn.run(HttpMetrics(create_app(settings), "sandbox"), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
