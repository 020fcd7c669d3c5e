"""Collection: request-to-withdraw (v1 and v2 creation, v1 status) and the delivery
notification of a completed request-to-pay.

A withdrawal takes the request-to-pay body and answers with a RequestToPayResult;
v1 and v2 differ only in the callback's method (POST and PUT). Its status is read
under v1 only, as MTN publishes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import (
    accepted,
    admit_product_call,
    begin_creation,
    callback_target,
    owned_operation,
    path_reference_id,
    status_lookup,
)
from sandbox.api.error_bodies import platform_error
from sandbox.api.input_checks import parse_delivery_notification, parse_request_to_pay, require_sandbox_currency
from sandbox.instance import sandbox_state
from sandbox.world.delivery_notification import Verdict, notify_payer
from sandbox.world.operations import RequestToPay, RequestToWithdraw, RequestToWithdrawV2
from sandbox.world.request_to_withdraw import WithdrawVersion, start_request_to_withdraw

NOT_COMPLETED_MESSAGE = "The transaction is not successfully completed."
EXPIRED_MESSAGE = "The delivery notification opportunity has expired."
TOO_MANY_MESSAGE = "Too many attempts for the same ID have been made recently."


def _create(version: WithdrawVersion) -> Callable[[Request], Awaitable[Response]]:
    async def create_request_to_withdraw(request: Request) -> Response:
        state = sandbox_state(request)
        token, reference_id, body = await begin_creation(request, "collection", state, parse_request_to_pay)
        require_sandbox_currency(body.currency)
        user, callback_url = callback_target(request, state, token)
        start_request_to_withdraw(state.lifecycle, reference_id, user.user_id, body, callback_url, version)
        return accepted(state, reference_id)

    return create_request_to_withdraw


async def get_request_to_withdraw(request: Request) -> Response:
    state = sandbox_state(request)
    withdrawal = await status_lookup(request, "collection", state, (RequestToWithdraw, RequestToWithdrawV2))
    return JSONResponse(state.lifecycle.renderer.body(withdrawal, state.clock()))


async def delivery_notification(request: Request) -> Response:
    """400 (path, headers, body) → 404 (unknown, another partner's) → 409 / 410 / 429 → 200."""
    state = sandbox_state(request)
    token = await admit_product_call(request, "collection", state)
    reference_id = path_reference_id(request)
    message, language = parse_delivery_notification(
        request.headers.get("notificationMessage"), request.headers.get("Language"), await request.body()
    )
    payment = owned_operation(state, token, reference_id, (RequestToPay,))
    assert isinstance(payment, RequestToPay)
    outcome = notify_payer(state.lifecycle, payment, message, language)
    if outcome.verdict is Verdict.SENT:
        state.stats.delivery_notifications[reference_id.lower()] += 1
    if outcome.verdict is Verdict.NOT_COMPLETED:
        raise platform_error(409, "NOT_COMPLETED", NOT_COMPLETED_MESSAGE)
    if outcome.verdict is Verdict.EXPIRED:
        raise platform_error(410, "EXPIRED", EXPIRED_MESSAGE)
    if outcome.verdict is Verdict.TOO_SOON:
        error = platform_error(429, "TOO_MANY_REQUESTS", TOO_MANY_MESSAGE)
        error.response.headers["Retry-After"] = str(max(1, round(outcome.retry_after_s)))
        raise error
    return Response(status_code=200)


routes = [
    Route("/collection/v1_0/requesttowithdraw", _create("v1_0"), methods=["POST"]),
    Route("/collection/v2_0/requesttowithdraw", _create("v2_0"), methods=["POST"]),
    Route("/collection/v1_0/requesttowithdraw/{reference_id}", get_request_to_withdraw, methods=["GET"]),
    Route("/collection/v1_0/requesttopay/{reference_id}/deliverynotification", delivery_notification, methods=["POST"]),
]
