"""Requests and workflow inputs of the payouts beside Transfer: a deposit and a remittance transfer.

Both send MTN's Transfer body (amount, currency, externalId, payee, payerMessage,
payeeNote) to another endpoint: a deposit through the disbursement product, a
remittance transfer through the remittance product and its own credentials.
Neither runs the Transfer workflow's pre-checks.
"""

from __future__ import annotations

from momoflow.models import Party
from momoflow.operations import PatternInput, _no_number_in, _party, _TransactionRequest
from momoflow.validation import Problems


class _PayoutRequest(_TransactionRequest):
    payee: Party

    def _rules(self, problems: Problems) -> None:
        super()._rules(problems)
        _party(problems, "payee", self.payee)
        problems.run(_no_number_in, self.external_id, self.payee, "payee")


class DepositRequest(_PayoutRequest):
    """Deposit ``amount`` ``currency`` into ``payee``'s wallet from the disbursement account."""


class RemittanceTransferRequest(_PayoutRequest):
    """Send ``amount`` ``currency`` to ``payee`` through the remittance product."""


class DepositInput(PatternInput):
    request: DepositRequest


class RemittanceTransferInput(PatternInput):
    request: RemittanceTransferRequest
