"""The rules for good input, in one place; each problem names the field and the rule.

Two kinds of rule, kept apart on purpose. Type rules (a field is missing, a
string where a number belongs) are enforced by the pydantic models when a
payload is decoded; they never change meaning, so decoding a payment's input
again on replay is safe. Business rules (limits, formats, allowed currencies)
are the ``check()`` methods of the request models, built from the functions
below: the facade and CLI run them before a start, and a workflow judges them
once through the ``momoflow.admit`` local activity, whose verdict is recorded
in history, so tightening a rule never breaks a payment already running.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

# The failure type of a workflow whose input is malformed or breaks a business rule.
INVALID_REQUEST = "INVALID_REQUEST"

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


# -- timing a caller may override ---------------------------------------------------------

DAY_S = 24 * 3600.0
# (minimum, maximum) seconds for each overridable phase of the payment pattern.
TIMING_BOUNDS: dict[str, tuple[float, float]] = {
    "submit_timeout_s": (1.0, 3600.0),
    "callback_timeout_s": (1.0, DAY_S),
    "poll_interval_s": (1.0, 3600.0),
    "deadline_s": (1.0, DAY_S),
    "reconcile_initial_interval_s": (1.0, DAY_S),
    "reconcile_max_interval_s": (1.0, DAY_S),
    "reconcile_max_age_s": (1.0, 30 * DAY_S),
}


def check_seconds(field: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{field}: must be between {low:g} and {high:g} seconds, got {value:g}")


# -- problems -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field (dotted path) and what is wrong with it."""

    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}" if self.field else self.rule


class Problems:
    """Collects the problems of one request; rule functions raise ``ValueError("field: rule")``."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self.found: list[Problem] = []

    def run(self, rule: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            rule(*args, **kwargs)
        except ValueError as exc:
            self.add(str(exc))

    def add(self, message: str) -> None:
        field, sep, rule = message.partition(": ")
        if not sep:
            field, rule = "", message
        self.found.append(Problem(self._path(field), rule))

    def extend(self, problems: Iterable[Problem], prefix: str = "") -> None:
        for problem in problems:
            path = ".".join(part for part in (prefix, problem.field) if part)
            self.found.append(Problem(self._path(path), problem.rule))

    def _path(self, field: str) -> str:
        return ".".join(part for part in (self._prefix, field) if part)


def describe(problems: Iterable[Problem]) -> str:
    return "; ".join(str(problem) for problem in problems)


def decoding_problems(error: ValidationError) -> list[Problem]:
    """Pydantic's type errors as problems naming the field (``request.payer.party_id``).

    An error about the whole value (a list or a string where an object belongs) names ``input``.
    """
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "input"
        problems.append(Problem(field, str(item["msg"]).removeprefix("Value error, ")))
    return problems


_Input = TypeVar("_Input")

# The problem a workflow started without its one argument reports.
MISSING_INPUT = Problem("input", "missing: start the workflow with one argument, its input as a JSON object")


def required(inp: _Input | None) -> _Input:
    """A workflow's input; ``InvalidRequest`` when a client started it with no argument (or null).

    Workflows take their input as ``inp: X | None = None`` so that such a start reaches
    this check and fails the workflow at once, instead of a ``TypeError`` failing its
    workflow task on every retry. A workflow with an ``__init__`` calls it there: a
    signal, query or update that came with the start (signal-with-start) would otherwise
    reach a run that has no state. Its ``run`` calls it again, which only narrows the type.
    """
    if inp is None:
        workflow.logger.info("input refused", extra={"problems": [MISSING_INPUT.field]})  # as admission logs it
        raise InvalidRequest([MISSING_INPUT])
    return inp


class InvalidRequest(ApplicationError):
    """A workflow input that cannot be decoded or breaks a business rule.

    An ``ApplicationError`` so that, raised while a workflow decodes its input
    or at its start, it fails the workflow at once (never retried) instead of
    failing its workflow task for ever. ``details[0]`` lists the problems as
    ``{"field", "rule"}`` objects for programs; the message is for people.
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            describe(problems),
            [{"field": problem.field, "rule": problem.rule} for problem in problems],
            type=INVALID_REQUEST,
            non_retryable=True,
        )
        self.problems = problems
