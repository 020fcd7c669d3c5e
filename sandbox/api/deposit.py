"""Disbursement deposits: ``/v1_0/deposit`` (callback POST) and ``/v2_0/deposit`` (callback PUT).

Both take a Transfer body and answer 202; both are followed through the one
status path ``GET /v1_0/deposit/{referenceId}``, whose result omits
``financialTransactionId`` as MTN's sandbox does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import accepted, begin_creation, callback_target, status_lookup
from sandbox.api.input_checks import parse_transfer, require_sandbox_currency
from sandbox.instance import sandbox_state
from sandbox.world.operations import Deposit
from sandbox.world.payouts import start_deposit


def create_deposit(version: int) -> Callable[[Request], Awaitable[Response]]:
    async def create(request: Request) -> Response:
        state = sandbox_state(request)
        token, reference_id, body = await begin_creation(request, "disbursement", state, parse_transfer)
        require_sandbox_currency(body.currency)
        user, callback_url = callback_target(request, state, token)
        start_deposit(state.lifecycle, reference_id, user.user_id, body, callback_url, version)
        return accepted(state, reference_id)

    return create


async def get_deposit(request: Request) -> Response:
    state = sandbox_state(request)
    deposit = await status_lookup(request, "disbursement", state, (Deposit,))
    return JSONResponse(state.lifecycle.renderer.body(deposit, state.clock()))


routes = [
    Route("/disbursement/v1_0/deposit", create_deposit(1), methods=["POST"]),
    Route("/disbursement/v2_0/deposit", create_deposit(2), methods=["POST"]),
    Route("/disbursement/v1_0/deposit/{reference_id}", get_deposit, methods=["GET"]),
]
