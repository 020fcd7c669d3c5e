"""Collection: request-to-pay creation and status.

Creation answers 202 with an empty body and nothing else; the outcome is
learnt from the status GET or the callback, as with MTN.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import accepted, begin_creation, callback_target
from sandbox.api.input_checks import require_sandbox_currency
from sandbox.bodies import parse_request_to_pay
from sandbox.instance import sandbox_state
from sandbox.lookup import status_lookup
from sandbox.world.operations import RequestToPay
from sandbox.world.request_to_pay import start_request_to_pay


async def create_request_to_pay(request: Request) -> Response:
    state = sandbox_state(request)
    token, reference_id, body = await begin_creation(request, "collection", state, parse_request_to_pay)
    require_sandbox_currency(body.currency)
    user, callback_url = callback_target(request, state, token)
    # No await since the duplicate check, so two concurrent POSTs cannot both get here.
    start_request_to_pay(state.lifecycle, reference_id, user.user_id, body, callback_url)
    return accepted(state, reference_id)


async def get_request_to_pay(request: Request) -> Response:
    state = sandbox_state(request)
    payment = await status_lookup(request, "collection", state, (RequestToPay,))
    return JSONResponse(state.lifecycle.renderer.body(payment, state.clock()))


routes = [
    Route("/collection/v1_0/requesttopay", create_request_to_pay, methods=["POST"]),
    Route("/collection/v1_0/requesttopay/{reference_id}", get_request_to_pay, methods=["GET"]),
]
