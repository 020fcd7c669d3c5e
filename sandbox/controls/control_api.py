"""``/sandbox/*``: health, counters, balances and fault settings. Not part of MTN's API; no auth."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from momoflow.logging import get_logger
from sandbox.controls.faults import FaultSettingsError
from sandbox.instance import sandbox_state

log = get_logger("sandbox.control")


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def stats(request: Request) -> Response:
    state = sandbox_state(request)
    state.settle()  # balances must include everything that has fallen due
    balances = state.ledger.snapshot(state.store.api_user_ids())
    return JSONResponse({**state.stats.snapshot(), "balances": balances})


async def get_faults(request: Request) -> Response:
    return JSONResponse(sandbox_state(request).faults.settings.model_dump())


def _unprocessable(problems: list[dict[str, str]]) -> Response:
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return JSONResponse({"message": message, "errors": problems}, status_code=422)


async def put_faults(request: Request) -> Response:
    """Partial update: only the keys sent change; an invalid update changes nothing."""
    state = sandbox_state(request)
    try:
        changes = json.loads(await request.body() or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _unprocessable([{"field": "body", "message": "not valid JSON"}])
    if not isinstance(changes, dict):
        return _unprocessable([{"field": "body", "message": "must be a JSON object"}])
    try:
        updated = state.faults.update(changes)
    except FaultSettingsError as exc:
        return _unprocessable(exc.problems)
    log.info("faults_updated", **{f"fault_{k}": v for k, v in changes.items()})
    return JSONResponse(updated.model_dump())


routes = [
    Route("/sandbox/health", health, methods=["GET"]),
    Route("/sandbox/stats", stats, methods=["GET"]),
    Route("/sandbox/faults", get_faults, methods=["GET"]),
    Route("/sandbox/faults", put_faults, methods=["PUT"]),
]
