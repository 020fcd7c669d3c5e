"""Collection: request-to-pay creation and status.

Creation answers 202 with an empty body and nothing else; the outcome is
learnt from the status GET or the callback, as with MTN.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from momoflow.logging import get_logger
from momoflow.masking import mask_msisdn
from sandbox.errors import already_exists, bad_request, injected_error, not_found, rate_limited
from sandbox.guard import admit_product_call
from sandbox.results import format_amount, request_to_pay_result
from sandbox.scenarios import Timeline, request_to_pay_scenario
from sandbox.state import sandbox_state
from sandbox.store import Party, RequestToPay
from sandbox.validation import (
    is_uuid4,
    parse_request_to_pay,
    require_matching_callback_host,
    require_reference_id,
    require_sandbox_currency,
)

log = get_logger("sandbox.collection")


def new_financial_transaction_id() -> str:
    """A ten-digit numeric string, like the ids MTN's sandbox returns."""
    return str(1_000_000_000 + secrets.randbelow(9_000_000_000))


def _masked(party: Party) -> str:
    if party.party_id_type.upper() == "MSISDN":
        return mask_msisdn(party.party_id)
    return "[masked]"


async def create_request_to_pay(request: Request) -> Response:
    state = sandbox_state(request)
    token = await admit_product_call(request, "collection", state)
    reference_id = require_reference_id(request.headers.get("X-Reference-Id"))
    stats_key = reference_id.lower()
    payment_input = parse_request_to_pay(await request.body())
    if state.store.has_payment(reference_id):
        state.stats.posts_rejected_duplicate[stats_key] += 1
        log.info("request_to_pay_duplicate", reference_id=reference_id)
        raise already_exists()
    require_sandbox_currency(payment_input.currency)
    user = state.store.api_user(token.api_user_id)
    assert user is not None  # tokens are only issued to existing users, and users are never deleted
    callback_url = (request.headers.get("X-Callback-Url") or "").strip() or None
    if callback_url is not None:
        require_matching_callback_host(callback_url, user.provider_callback_host)

    settings = state.settings
    scenario = request_to_pay_scenario(payment_input.payer.party_id_type, payment_input.payer.party_id)
    timeline = Timeline.plan(scenario, state.clock(), settings.approval_delay_s, settings.delayed_approval_s)
    payment = RequestToPay(
        reference_id=reference_id,
        api_user_id=user.user_id,
        request=payment_input,
        timeline=timeline,
        financial_transaction_id=new_financial_transaction_id(),
        callback_url=callback_url,
    )
    # No await since the duplicate check above, so two concurrent POSTs cannot both get here.
    state.store.add_payment(payment)
    state.stats.posts_accepted[stats_key] += 1
    state.notifier.schedule(payment)
    log.info(
        "request_to_pay_accepted",
        reference_id=reference_id,
        api_user_id=user.user_id,
        amount=format_amount(payment_input.amount),
        currency=payment_input.currency,
        payer_masked=_masked(payment_input.payer),
        scenario=scenario.name,
        has_callback=callback_url is not None,
    )
    if state.faults.lose_response():
        log.info("response_lost_on_purpose", reference_id=reference_id)
        raise injected_error(503)
    return Response(status_code=202)


async def get_request_to_pay(request: Request) -> Response:
    state = sandbox_state(request)
    token = await admit_product_call(request, "collection", state)
    if state.status_limiter is not None and not state.status_limiter.allow(token.api_user_id.lower()):
        state.stats.status_rate_limited += 1
        raise rate_limited()
    reference_id = request.path_params["reference_id"]
    if not is_uuid4(reference_id):
        raise bad_request("The reference id in the path must be a UUID version 4.")
    payment = state.store.payment(reference_id)
    # Another API user's payment is indistinguishable from a missing one.
    if payment is None or payment.api_user_id.lower() != token.api_user_id.lower():
        raise not_found()
    state.stats.status_gets[reference_id.lower()] += 1
    return JSONResponse(request_to_pay_result(payment, state.clock(), state.settings.reason_format))


routes = [
    Route("/collection/v1_0/requesttopay", create_request_to_pay, methods=["POST"]),
    Route("/collection/v1_0/requesttopay/{reference_id}", get_request_to_pay, methods=["GET"]),
]
