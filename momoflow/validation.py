"""The rules for good input, in one place; each error names the field and the rule."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_TEXT = 160
MAX_AMOUNT = Decimal("100000000")
# Characters MTN rejects in payer messages and payee notes (or that break its gateway).
_FORBIDDEN_TEXT_CHARS = set("'&<>\"\\")
MSISDN = re.compile(r"^[1-9]\d{7,14}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
PARTY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
# ISO 4217 currencies in circulation (funds, metals and test codes left out: no one pays in them).
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
    KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
    SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND
    VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)
SANDBOX_CURRENCY = "EUR"
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def check_text(field: str, value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(f"{field}: at most {MAX_TEXT} characters, got {len(value)}")
    bad = sorted({ch for ch in value if ch in _FORBIDDEN_TEXT_CHARS or ord(ch) < 32 or ord(ch) == 127})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise ValueError(f"{field}: contains characters MoMo rejects: {shown}")
    return value


def parse_amount(value: Any, *, field: str = "amount", max_amount: Decimal = MAX_AMOUNT) -> Decimal:
    """A positive decimal with at most two places; floats are refused to avoid binary rounding."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{field}: give a decimal string such as '12.50', not a float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{field}: {value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise ValueError(f"{field}: must be a finite number")
    if amount <= 0:
        raise ValueError(f"{field}: must be greater than zero")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"{field}: at most 2 decimal places, got {amount}")
    if amount > max_amount:
        raise ValueError(f"{field}: must not exceed {max_amount}")
    return amount


def check_currency(value: str, field: str = "currency") -> str:
    if value not in ISO_4217:
        raise ValueError(f"{field}: {value!r} is not an ISO 4217 currency code (three capital letters, such as EUR)")
    return value


def check_sandbox_currency(value: str | None, target_environment: str, field: str = "currency") -> None:
    """MTN's sandbox (and momoflow's) takes EUR only; refuse anything else before MoMo is asked."""
    if value is not None and target_environment == "sandbox" and value != SANDBOX_CURRENCY:
        raise ValueError(f"{field}: the MoMo sandbox accepts only {SANDBOX_CURRENCY}, got {value}")


def check_external_id(value: str, field: str = "external_id") -> str:
    if not _EXTERNAL_ID.match(value):
        raise ValueError(f"{field}: 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
    return value


def check_uuid(value: str, field: str) -> str:
    if not _UUID.match(value):
        raise ValueError(f"{field}: must be a UUID such as 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
    return value.lower()


def validate_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("key: 1 to 200 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
    return value
