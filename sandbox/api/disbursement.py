"""Disbursement: transfers out of the partner's disbursement account.

Same contract as request-to-pay (202 now, outcome by GET or POST callback),
with ``payee`` instead of ``payer``. There is no ``/v2_0/transfer``: MTN
answers that path with 404, and so does the sandbox.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import accepted, begin_creation, callback_target, status_lookup
from sandbox.api.input_checks import parse_transfer, require_sandbox_currency
from sandbox.instance import sandbox_state
from sandbox.world.operations import Transfer
from sandbox.world.payouts import start_transfer


async def create_transfer(request: Request) -> Response:
    state = sandbox_state(request)
    token, reference_id, body = await begin_creation(request, "disbursement", state, parse_transfer)
    require_sandbox_currency(body.currency)
    user, callback_url = callback_target(request, state, token)
    start_transfer(state.lifecycle, reference_id, user.user_id, body, callback_url)
    return accepted(state, reference_id)


async def get_transfer(request: Request) -> Response:
    state = sandbox_state(request)
    transfer = await status_lookup(request, "disbursement", state, (Transfer,))
    return JSONResponse(state.lifecycle.renderer.body(transfer, state.clock()))


routes = [
    Route("/disbursement/v1_0/transfer", create_transfer, methods=["POST"]),
    Route("/disbursement/v1_0/transfer/{reference_id}", get_transfer, methods=["GET"]),
]
