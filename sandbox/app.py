"""The sandbox as one Starlette application.

All state hangs off ``app.state.sandbox`` (a :class:`SandboxState`), so each
``create_app`` call is an independent sandbox. Nothing depends on the ASGI
lifespan having run: outcomes are computed from the clock and callback tasks
are started by the request handlers; the lifespan only cleans up, and loads and saves the state file when one is configured.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from momoflow.logging import get_logger
from sandbox.api import (
    accounts,
    collection,
    deposit,
    disbursement,
    provisioning,
    refund,
    remittance,
    tokens,
    withdrawals,
)
from sandbox.api.error_bodies import ApiError, platform_error
from sandbox.controls import control_api, customer_api
from sandbox.instance import SandboxState
from sandbox.settings import SandboxSettings
from sandbox.world.persistence import StateFile

log = get_logger("sandbox.app")


async def _answer_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response


async def _answer_http_exception(_request: Request, exc: Exception) -> Response:
    """Unknown paths and methods get the API gateway's body, as on MTN's hosts."""
    assert isinstance(exc, HTTPException)
    message = "Resource not found" if exc.status_code == 404 else (exc.detail or "Request rejected")
    return JSONResponse({"statusCode": exc.status_code, "message": message}, status_code=exc.status_code)


async def _answer_crash(request: Request, exc: Exception) -> Response:
    log.error("unhandled_error", path=request.url.path, error=type(exc).__name__, exc_info=exc)
    return platform_error(500, "INTERNAL_PROCESSING_ERROR").response


def create_app(settings: SandboxSettings | None = None, *, clock: Callable[[], float] = time.monotonic) -> Starlette:
    """Build a fresh sandbox; ``settings`` defaults to the ``SANDBOX_*`` environment.

    ``clock`` (seconds, monotonic) drives payment timelines, expiries, token
    expiry and the rate limit; tests pass a hand-driven clock to step through
    states (calendar dates in bodies move with it).
    """
    settings = settings or SandboxSettings()
    state = SandboxState.build(settings, clock=clock)

    state_file = (
        StateFile(Path(settings.state_file), state, settings.state_save_interval_s) if settings.state_file else None
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if state_file is not None:
            state_file.start()
        log.info("sandbox_started", approval_delay_s=settings.approval_delay_s, reason_format=settings.reason_format)
        try:
            yield
        finally:
            if state_file is not None:
                await state_file.stop()
            await state.aclose()
            log.info("sandbox_stopped")

    app = Starlette(
        routes=[
            *provisioning.routes,
            *tokens.routes,
            *collection.routes,
            *withdrawals.routes,
            *disbursement.routes,
            *deposit.routes,
            *remittance.routes,
            *refund.routes,
            *accounts.routes,
            *control_api.routes,
            *customer_api.routes,
        ],
        exception_handlers={
            ApiError: _answer_api_error,
            HTTPException: _answer_http_exception,
            Exception: _answer_crash,
        },
        lifespan=lifespan,
    )
    # MTN's gateway does not redirect; an unknown path is a 404, not a 307 to a slash variant.
    app.router.redirect_slashes = False
    app.state.sandbox = state
    return app
