"""Remittance: transfers paid from the partner's remittance account.

``POST /remittance/v1_0/transfer`` and its status GET behave as the
disbursement transfer, under the remittance product's own key, API users and
tokens. ``/v2_0/cashtransfer`` is not served: MTN's published definition of it
is not complete enough to simulate (see the project README).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import accepted, begin_creation, callback_target, status_lookup
from sandbox.api.input_checks import parse_transfer, require_sandbox_currency
from sandbox.instance import sandbox_state
from sandbox.world.operations import RemittanceTransfer
from sandbox.world.payouts import start_remittance_transfer


async def create_transfer(request: Request) -> Response:
    state = sandbox_state(request)
    token, reference_id, body = await begin_creation(request, "remittance", state, parse_transfer)
    require_sandbox_currency(body.currency)
    user, callback_url = callback_target(request, state, token)
    start_remittance_transfer(state.lifecycle, reference_id, user.user_id, body, callback_url)
    return accepted(state, reference_id)


async def get_transfer(request: Request) -> Response:
    state = sandbox_state(request)
    transfer = await status_lookup(request, "remittance", state, (RemittanceTransfer,))
    return JSONResponse(state.lifecycle.renderer.body(transfer, state.clock()))


routes = [
    Route("/remittance/v1_0/transfer", create_transfer, methods=["POST"]),
    Route("/remittance/v1_0/transfer/{reference_id}", get_transfer, methods=["GET"]),
]
