"""``/sandbox/customer``: the customer's phone, for humans and tests.

Not part of MTN's API; no auth and never faulted. A customer sees the
requests-to-pay and pre-approvals waiting for their answer and the invoices
they may pay, and answers them. A manual answer wins over the automatic one
as long as the item is still open; with ``auto_decide`` off it is the only
way an ordinary customer ever answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from momoflow.logging import get_logger
from sandbox.api.error_bodies import not_found, platform_error
from sandbox.api.input_checks import parse_customer_payment
from sandbox.controls.customer_page import CUSTOMER_PAGE
from sandbox.instance import SandboxState, sandbox_state
from sandbox.world.invoice import pay_invoice
from sandbox.world.operations import Invoice, Operation, PreApproval, RequestToPay, party_lookup_id
from sandbox.world.pre_approval import decide_pre_approval
from sandbox.world.request_to_pay import decide_request_to_pay
from sandbox.world.status_bodies import Renderer, format_amount, transaction_status

log = get_logger("sandbox.customer")


def _open_item(operation: Operation, renderer: Renderer, now: float) -> dict[str, Any] | None:
    """How an open operation looks on the customer's phone; None once it is final."""
    if operation.is_final:
        return None
    item: dict[str, Any] = {"kind": operation.kind}
    if isinstance(operation, RequestToPay):
        request = operation.request
        item.update(referenceId=operation.reference_id, amount=format_amount(request.amount), currency=request.currency)
        item["status"] = transaction_status(operation, now).value
        if request.payer_message is not None:
            item["payerMessage"] = request.payer_message
    elif isinstance(operation, PreApproval):
        approval = operation.request
        item.update(referenceId=operation.reference_id, currency=approval.currency, validityTime=approval.validity_s)
        item["status"] = operation.status.value
        if approval.payer_message is not None:
            item["payerMessage"] = approval.payer_message
    elif isinstance(operation, Invoice):
        invoice = operation.request
        item.update(
            paymentReference=operation.payment_reference,
            amount=format_amount(invoice.amount),
            currency=invoice.currency,
            expiry=renderer.timestamp(operation.expires_at),
        )
        item["status"] = operation.status.value
        if invoice.description is not None:
            item["description"] = invoice.description
    else:
        return None
    item["partner"] = operation.api_user_id
    item["created"] = renderer.timestamp(operation.created_at)
    return item


async def list_requests(request: Request) -> Response:
    state = sandbox_state(request)
    state.settle()
    now = state.clock()
    renderer = state.lifecycle.renderer
    items = [
        item
        for operation in state.store.customer_operations(request.path_params["party_id"])
        if (item := _open_item(operation, renderer, now)) is not None
    ]
    return JSONResponse(items)


def _waiting_request(state: SandboxState, reference_id: str) -> RequestToPay | PreApproval:
    state.settle()
    operation = state.store.operation(reference_id)
    if not isinstance(operation, (RequestToPay, PreApproval)):
        raise not_found()
    if operation.is_final:
        raise platform_error(409, "NOT_PENDING", f"The request is already {operation.status.value}.")
    return operation


def _decision(approve: bool) -> Callable[[Request], Awaitable[Response]]:
    async def decide(request: Request) -> Response:
        state = sandbox_state(request)
        operation = _waiting_request(state, request.path_params["reference_id"])
        if isinstance(operation, RequestToPay):
            decide_request_to_pay(state.lifecycle, operation, approve)
        else:
            decide_pre_approval(state.lifecycle, operation, approve)
        log.info("customer_decided", kind=operation.kind, reference_id=operation.reference_id, approved=approve)
        return JSONResponse(
            {"referenceId": operation.reference_id, "kind": operation.kind, "status": operation.status.value}
        )

    return decide


async def pay(request: Request) -> Response:
    state = sandbox_state(request)
    payer_id = parse_customer_payment(await request.body())
    state.settle()
    invoice = state.store.invoice_by_payment_reference(request.path_params["payment_reference"])
    if invoice is None:
        raise not_found()
    if party_lookup_id(payer_id) != invoice.request.intended_payer.lookup_id:
        raise platform_error(403, "NOT_INTENDED_PAYER", "Only the intended payer can pay this invoice.")
    if invoice.is_final:
        raise platform_error(409, "NOT_OPEN", f"The invoice is already {invoice.status.value}.")
    pay_invoice(state.lifecycle, invoice)
    log.info("customer_paid_invoice", reference_id=invoice.reference_id)
    return JSONResponse({"paymentReference": invoice.payment_reference, "status": invoice.status.value})


async def page(_request: Request) -> Response:
    return HTMLResponse(CUSTOMER_PAGE)


routes = [
    Route("/sandbox/customer", page, methods=["GET"]),
    Route("/sandbox/customer/", page, methods=["GET"]),
    Route("/sandbox/customer/{party_id}/requests", list_requests, methods=["GET"]),
    Route("/sandbox/customer/requests/{reference_id}/approve", _decision(True), methods=["POST"]),
    Route("/sandbox/customer/requests/{reference_id}/reject", _decision(False), methods=["POST"]),
    Route("/sandbox/customer/invoices/{payment_reference}/pay", pay, methods=["POST"]),
]
