"""Request-to-withdraw: a cash-out the payer authorises, from acceptance to SUCCESSFUL or FAILED.

MTN documents it as a request-to-pay under another path (same body, same
RequestToPayResult, the same test numbers 46733123450–63 on the payer), so it
lives the same life (:mod:`sandbox.world.request_to_pay`), with two differences:
a pre-approval does not let it through without the payer, and its callback
method depends on the version it was created through (v1 POST, v2 PUT).
"""

from __future__ import annotations

from typing import Literal

from sandbox.world.lifecycle import Lifecycle
from sandbox.world.operations import RequestToWithdraw, RequestToWithdrawV2, TransactionInput
from sandbox.world.request_to_pay import start_request_to_pay

WithdrawVersion = Literal["v1_0", "v2_0"]
KINDS: dict[WithdrawVersion, type[RequestToWithdraw]] = {"v1_0": RequestToWithdraw, "v2_0": RequestToWithdrawV2}


def start_request_to_withdraw(
    life: Lifecycle,
    reference_id: str,
    api_user_id: str,
    request: TransactionInput,
    callback_url: str | None,
    version: WithdrawVersion,
) -> RequestToWithdraw:
    """Store the withdrawal and plan its outcome; a SUCCESSFUL one credits the collection account."""
    withdrawal = start_request_to_pay(life, reference_id, api_user_id, request, callback_url, KINDS[version])
    assert isinstance(withdrawal, RequestToWithdraw)
    return withdrawal
