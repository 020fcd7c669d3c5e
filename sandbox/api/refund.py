"""Disbursement refunds: ``POST /v1_0/refund`` (callback by POST), ``/v2_0/refund`` (by PUT), one status GET.

Accepted with 202 like a transfer; the outcome (see sandbox.world.refund) comes by GET or
callback. The status of a refund made through either version is read at ``/v1_0/refund/{id}``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import accepted, begin_creation, callback_target, status_lookup
from sandbox.api.input_checks import parse_refund, require_sandbox_currency
from sandbox.instance import sandbox_state
from sandbox.world.operations import Refund
from sandbox.world.refund import start_refund


async def _create(request: Request, version: str) -> Response:
    state = sandbox_state(request)
    token, reference_id, body = await begin_creation(request, "disbursement", state, parse_refund)
    require_sandbox_currency(body.currency)
    user, callback_url = callback_target(request, state, token)
    start_refund(state.lifecycle, reference_id, user.user_id, body, callback_url, version)
    return accepted(state, reference_id)


async def create_refund_v1(request: Request) -> Response:
    return await _create(request, "v1")


async def create_refund_v2(request: Request) -> Response:
    return await _create(request, "v2")


async def get_refund(request: Request) -> Response:
    state = sandbox_state(request)
    refund = await status_lookup(request, "disbursement", state, (Refund,))
    return JSONResponse(state.lifecycle.renderer.body(refund, state.clock()))


routes = [
    Route("/disbursement/v1_0/refund", create_refund_v1, methods=["POST"]),
    Route("/disbursement/v2_0/refund", create_refund_v2, methods=["POST"]),
    Route("/disbursement/v1_0/refund/{reference_id}", get_refund, methods=["GET"]),
]
