"""The subscription command refuses bad input before it connects anywhere."""

from __future__ import annotations

import pytest

from starter.cli import main
from starter.exits import EXIT_INPUT
from starter.subscription_cli import every_seconds

BASE = [
    "subscription",
    "create",
    "--id",
    "gym-1",
    "--payer",
    "46733123450",
    "--pre-approval-key",
    "k1",
    "--amount",
    "5",
]


@pytest.mark.parametrize(
    ("argv", "field"), [([*BASE, "--every", "3x"], "every"), ([*BASE, "--monthly-day", "5", "--at", "7h"], "at")]
)
def test_bad_cadence_is_refused_before_connecting(
    argv: list[str], field: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")  # nothing listens: a connect attempt would exit 5
    assert main(argv) == EXIT_INPUT
    assert f"error: {field}:" in capsys.readouterr().err


def test_durations() -> None:
    assert [every_seconds(t) for t in ("30s", "15m", "12h", "30d")] == [30, 900, 43200, 2592000]
