"""The CLI's pure parts: the visibility query, --since, the error mapping and the documented exit codes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from temporalio.service import RPCError, RPCStatusCode

from momoflow.temporal import TemporalConfigError, TemporalConnectError
from starter import listing
from starter.cli import build_parser, main
from starter.exits import Context, explain
from starter.facade import OperationFailed, StartError


def test_query_combines_every_filter() -> None:
    since = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
    query = listing.build_query("transfer", "FAILED", since, "ORDER-1", None)
    assert query == (
        'WorkflowType IN (\'Transfer\') AND MomoStatus = "FAILED" AND StartTime >= "2025-01-31T12:00:00Z"'
        ' AND MomoExternalId = "ORDER-1"'
    )
    assert listing.build_query().startswith(
        "WorkflowType IN ('RequestToPay', 'Transfer', 'PreApproval', 'Invoice', 'CancelInvoice', 'Deposit', 'RemittanceTransfer', 'Refund', 'RequestToWithdraw')"
    )


def test_query_refuses_what_could_change_its_meaning() -> None:
    with pytest.raises(ValueError, match="external_id"):
        listing.build_query(external_id='X" OR MomoStatus = "FAILED')
    with pytest.raises(ValueError, match="status"):
        listing.build_query(status="DONE")


def test_since_takes_durations_and_dates() -> None:
    now = datetime(2025, 2, 1, tzinfo=UTC)
    assert listing.parse_since("2h", now) == datetime(2025, 1, 31, 22, tzinfo=UTC)
    assert listing.parse_since("7d", now) == datetime(2025, 1, 25, tzinfo=UTC)
    assert listing.parse_since("2025-01-31", now) == datetime(2025, 1, 31, tzinfo=UTC)
    with pytest.raises(ValueError, match="since"):
        listing.parse_since("yesterday", now)


@pytest.mark.parametrize(
    ("exc", "started", "code", "words"),
    [
        (RuntimeError("Failed client connect: connection refused"), False, 5, "cannot reach Temporal at 127.0.0.1:1"),
        (TemporalConnectError("cannot connect to Temporal at h:1: nothing answers there"), False, 5, "nothing answers"),
        (TemporalConfigError("TEMPORAL_CONFIG_FILE: no file at x"), False, 2, "TEMPORAL_CONFIG_FILE"),
        (RPCError("gone", RPCStatusCode.UNAVAILABLE, b""), True, 5, "check it with: python -m starter status rtp-A"),
        (RPCError("nope", RPCStatusCode.NOT_FOUND, b""), False, 4, "no workflow with id 'rtp-A'"),
        (StartError("amount: must be positive"), False, 2, "amount: must be positive"),
        (StartError("status: only an UNKNOWN payment can be resolved"), True, 6, "only an UNKNOWN"),
        (OperationFailed("NOT_ALLOWED", "no"), False, 1, "refused by MoMo: NOT_ALLOWED"),
        (KeyboardInterrupt(), True, 130, "goes on; check it with: python -m starter status rtp-A"),
        (asyncio.CancelledError(), False, 130, "interrupted"),
        (KeyError("binary/encrypted"), True, 5, "set CODEC_KEYS"),
        (ZeroDivisionError("x"), False, 1, "unexpected error: ZeroDivisionError"),
    ],
)
def test_every_error_is_one_line_with_its_exit_code(exc: BaseException, started: bool, code: int, words: str) -> None:
    error = explain(exc, Context("127.0.0.1:1", "rtp-A", started=started))
    assert error.exit_code == code
    assert words in error.message
    assert "\n" not in error.message


def test_help_documents_the_exit_codes_and_json_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    text = parser.format_help()
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "130"):
        assert f"\n  {code}" in text
    args = parser.parse_args(["invoice", "cancel", "--workflow-id", "invoice-1", "--json"])
    assert args.json is True
    assert parser.parse_args(["--json", "list"]).json is True


def test_bad_input_is_refused_before_connecting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")  # nothing listens: exit 2 proves no connection was tried
    code = main(
        ["request-to-pay", "--amount", "5", "--currency", "EUR", "--payer", "46733123451", "--external-id", "A B"]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith("error: external_id")
    assert main(["list", "--since", "soon"]) == 2


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (
            [
                "request-to-withdraw",
                "--amount",
                "-1",
                "--currency",
                "EUR",
                "--payer",
                "46733123451",
                "--external-id",
                "W-1",
            ],
            "amount",
        ),
        (["notify-delivery", "--payment-key", "order 1", "--message", "Receipt 1"], "payment_key"),
        (["notify-delivery", "--payment-key", "order-1", "--message", "Reçu 1"], "message"),
        (["notify-delivery", "--payment-key", "order-1", "--message", "x" * 161], "message"),
        (["notify-delivery", "--payment-key", "order-1", "--message", "Receipt", "--language", "english"], "language"),
        (["notify-delivery", "--payment-key", "order-1", "--message", "Receipt", "--note-key", "a/b"], "note_key"),
    ],
)
def test_withdraw_and_notify_refuse_bad_input_before_connecting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], named: str
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")  # nothing listens: exit 2 proves no connection was tried
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(f"error: {named}")
