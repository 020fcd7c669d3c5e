from __future__ import annotations

import io
import json
import logging

import structlog

from momoflow.logging import configure_logging, get_logger
from momoflow.masking import mask_event, mask_msisdn, mask_text


def test_msisdn_keeps_last_four_digits() -> None:
    assert mask_msisdn("46733123454") == "*******3454"
    assert mask_msisdn("123") == "***"


def test_free_text_numbers_are_masked() -> None:
    assert mask_text("payer 256772123456 rejected") == "payer ********3456 rejected"


def test_event_fields_are_masked_by_meaning() -> None:
    event = mask_event(
        None,
        "info",
        {
            "event": "x",
            "payer": {"partyIdType": "MSISDN", "partyId": "46733123454"},
            "api_key": "abc",
            "email": "ignored",
            "reference_id": "11112222-3333-4444-5555-666677778888",
            "financial_transaction_id": "1234567890",
        },
    )
    assert event["payer"]["partyId"] == "*******3454"
    assert event["api_key"] == "[redacted]"
    assert event["reference_id"] == "11112222-3333-4444-5555-666677778888"
    assert event["financial_transaction_id"] == "1234567890"


def test_log_lines_are_json_and_masked(capsys) -> None:  # type: ignore[no-untyped-def]
    configure_logging("test")
    stream = io.StringIO()
    logging.getLogger().handlers[0].stream = stream  # type: ignore[attr-defined]
    get_logger("t").info("paid by 46733123454", payer="46733123454", token="secret-token")
    logging.getLogger("stdlib").info("stdlib says 46733123454", extra={"reference_id": "r-1"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["event"] == "paid by *******3454"
    assert lines[0]["payer"] == "*******3454"
    assert lines[0]["token"] == "[redacted]"
    assert lines[0]["service"] == "test"
    assert lines[1]["event"] == "stdlib says *******3454"
    assert lines[1]["reference_id"] == "r-1"
    assert "46733123454" not in stream.getvalue()
    structlog.contextvars.clear_contextvars()
