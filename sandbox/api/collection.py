"""Collection: request-to-pay (v1), pre-approvals (v2 request and status, v1 list and
cancel) and invoices (v2 create, read, cancel).

Creations answer 202 with an empty body and nothing else; the outcome is
learnt from the status GET or the callback, as with MTN.

A pre-approval's status body keeps the outcome of the request (SUCCESSFUL
stays SUCCESSFUL); what happens to the mandate afterwards (cancelled,
expired) shows in the list, whose entries carry MTN's mandate statuses.

``GET /v2_0/invoice/{id}`` answers for invoices and for cancellations alike,
because a cancellation is its own operation, created by the DELETE under a
new X-Reference-Id and tracked by that id.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import (
    accepted,
    admit_creation,
    admit_product_call,
    begin_creation,
    callback_target,
    owned_operation,
    path_reference_id,
    read_body,
    refuse_reused_reference,
    status_lookup,
)
from sandbox.api.error_bodies import bad_request, platform_error
from sandbox.api.input_checks import (
    check_party_id,
    parse_invoice,
    parse_invoice_cancellation,
    parse_pre_approval,
    parse_request_to_pay,
    require_sandbox_currency,
)
from sandbox.instance import sandbox_state
from sandbox.world.invoice import start_cancellation, start_invoice
from sandbox.world.operations import Invoice, InvoiceCancellation, PreApproval, RequestToPay, party_lookup_id
from sandbox.world.pre_approval import cancel_pre_approval, start_pre_approval
from sandbox.world.request_to_pay import start_request_to_pay
from sandbox.world.test_numbers import NO_PRE_APPROVALS_LISTED


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


# Pre-approvals

# Path type → the partyIdType it matches; alias matches a payer id of any type.
LIST_ID_TYPES: Final[dict[str, str | None]] = {"msisdn": "MSISDN", "email": "EMAIL", "id": "PARTY_CODE", "alias": None}


async def create_pre_approval(request: Request) -> Response:
    state = sandbox_state(request)
    token, reference_id, body = await begin_creation(request, "collection", state, parse_pre_approval)
    require_sandbox_currency(body.currency)
    user, callback_url = callback_target(request, state, token)
    start_pre_approval(state.lifecycle, reference_id, user.user_id, body, callback_url)
    return accepted(state, reference_id)


async def get_pre_approval(request: Request) -> Response:
    state = sandbox_state(request)
    approval = await status_lookup(request, "collection", state, (PreApproval,))
    return JSONResponse(state.lifecycle.renderer.body(approval, state.clock()))


async def list_pre_approvals(request: Request) -> Response:
    state = sandbox_state(request)
    token = await admit_product_call(request, "collection", state)
    id_type = request.path_params["id_type"].lower()
    holder_id = request.path_params["holder_id"]
    if id_type not in LIST_ID_TYPES:
        raise bad_request("accountHolderIdType must be one of msisdn, email, id, alias.")
    if id_type in ("msisdn", "email"):
        check_party_id(id_type.upper(), holder_id, "accountHolderId")
    state.settle()
    if id_type == "msisdn" and holder_id == NO_PRE_APPROVALS_LISTED:
        return JSONResponse([])
    party_kind = LIST_ID_TYPES[id_type]
    now = state.clock()
    entries = [
        state.lifecycle.renderer.pre_approval_details(operation, now)
        for operation in state.store.customer_operations(holder_id)
        if isinstance(operation, PreApproval)
        and operation.owned_by(token.api_user_id)
        and (party_kind is None or operation.request.payer.kind == party_kind)
        and operation.request.payer.lookup_id == party_lookup_id(holder_id)
    ]
    return JSONResponse(entries)


async def delete_pre_approval(request: Request) -> Response:
    state = sandbox_state(request)
    token = await admit_product_call(request, "collection", state)
    reference_id = path_reference_id(request, "pre_approval_id")
    approval = owned_operation(state, token, reference_id, (PreApproval,))
    assert isinstance(approval, PreApproval)
    if not approval.is_active_at(state.clock()):
        raise platform_error(400, "NOT_ALLOWED", "Pre-approval is not active.")
    cancel_pre_approval(state.lifecycle, approval)
    return Response(status_code=200)


# Invoices


async def create_invoice(request: Request) -> Response:
    state = sandbox_state(request)
    token, reference_id, body = await begin_creation(request, "collection", state, parse_invoice)
    require_sandbox_currency(body.currency)
    user, callback_url = callback_target(request, state, token)
    start_invoice(state.lifecycle, reference_id, user.user_id, body, callback_url)
    return accepted(state, reference_id)


async def get_invoice(request: Request) -> Response:
    state = sandbox_state(request)
    operation = await status_lookup(request, "collection", state, (Invoice, InvoiceCancellation))
    return JSONResponse(state.lifecycle.renderer.body(operation, state.clock()))


async def cancel_invoice(request: Request) -> Response:
    """400 (headers, path, body) → 409 (reused X-Reference-Id) → 404 (invoice) → 500 (callback host) → 202."""
    state = sandbox_state(request)
    token, cancel_reference_id = await admit_creation(request, "collection", state)
    invoice_reference_id = path_reference_id(request)
    external_id = await read_body(request, parse_invoice_cancellation)
    refuse_reused_reference(state, cancel_reference_id)
    invoice = owned_operation(state, token, invoice_reference_id, (Invoice,))
    assert isinstance(invoice, Invoice)
    user, callback_url = callback_target(request, state, token)
    start_cancellation(state.lifecycle, cancel_reference_id, user.user_id, invoice, external_id, callback_url)
    return accepted(state, cancel_reference_id)


routes = [
    Route("/collection/v1_0/requesttopay", create_request_to_pay, methods=["POST"]),
    Route("/collection/v1_0/requesttopay/{reference_id}", get_request_to_pay, methods=["GET"]),
    Route("/collection/v2_0/preapproval", create_pre_approval, methods=["POST"]),
    Route("/collection/v2_0/preapproval/{reference_id}", get_pre_approval, methods=["GET"]),
    Route("/collection/v1_0/preapprovals/{id_type}/{holder_id}", list_pre_approvals, methods=["GET"]),
    Route("/collection/v1_0/preapproval/{pre_approval_id}", delete_pre_approval, methods=["DELETE"]),
    Route("/collection/v2_0/invoice", create_invoice, methods=["POST"]),
    Route("/collection/v2_0/invoice/{reference_id}", get_invoice, methods=["GET"]),
    Route("/collection/v2_0/invoice/{reference_id}", cancel_invoice, methods=["DELETE"]),
]
