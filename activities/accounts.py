"""Account activities every product offers: balance and account-holder checks.

Built per product client, because each product has its own credentials; the
activity names carry the product (``collection.get_balance``, …).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import activity

from activities.errors import to_application_error
from momo.client import MomoHttp
from momo.errors import MomoError, MomoNotFoundError
from momo.models import PartyIdType
from momoflow import contract
from momoflow.contract import AccountBalance, AccountHolder, AccountHolderCheck, BalanceCheck


def account_activities(client: MomoHttp) -> list[Callable[..., Any]]:
    product = client.product

    @activity.defn(name=contract.balance(product))
    async def get_balance(check: BalanceCheck) -> AccountBalance:
        try:
            balance = await client.get_balance(check.currency)
        except MomoError as exc:
            raise to_application_error(exc) from exc
        return AccountBalance(available_balance=balance.available_balance, currency=balance.currency)

    @activity.defn(name=contract.account_holder(product))
    async def check_account_holder(check: AccountHolderCheck) -> AccountHolder:
        party = check.party
        try:
            active = await client.is_account_holder_active(party.path_type, party.party_id)
        except MomoNotFoundError:
            return AccountHolder(found=False, active=False)
        except MomoError as exc:
            raise to_application_error(exc) from exc
        holder = AccountHolder(found=True, active=active)
        if check.basic_info and party.party_id_type is PartyIdType.MSISDN:
            try:
                info = await client.get_basic_user_info(party.party_id)
            except MomoError as exc:
                raise to_application_error(exc) from exc
            holder.given_name, holder.family_name = info.given_name, info.family_name
        return holder

    return [get_balance, check_account_holder]
