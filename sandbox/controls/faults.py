"""Deliberate misbehaviour: errors, lost responses, slowness, callback trouble.

The real sandbox has outages, 503s and duplicate callbacks; a client that has
only met a perfect server has not been tested. Every decision comes from one
seedable ``random.Random`` so a failing run can be replayed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


def _rate() -> Any:
    """A probability field: 0 (never) to 1 (every time)."""
    return Field(default=0.0, ge=0.0, le=1.0)


def _default_error_statuses() -> list[Literal[429, 500, 503]]:
    return [500, 503, 429]


class FaultSettings(BaseModel):
    """What to break and how often; every rate is a probability per call."""

    model_config = ConfigDict(extra="forbid")

    api_error_rate: float = _rate()
    api_error_statuses: list[Literal[429, 500, 503]] = Field(default_factory=_default_error_statuses, min_length=1)
    lost_response_rate: float = _rate()
    api_slow_rate: float = _rate()
    api_slow_s: float = Field(default=1.0, ge=0.0)
    callback_drop_rate: float = _rate()
    callback_duplicate_rate: float = _rate()
    callback_delay_rate: float = _rate()
    callback_delay_s: float = Field(default=1.0, ge=0.0)
    seed: int | None = None


class FaultSettingsError(ValueError):
    """A rejected update, with one ``{"field","message"}`` entry per problem."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CallbackPlan:
    """What happens to one callback: dropped, or sent once or twice after an extra delay."""

    drop: bool = False
    duplicate: bool = False
    extra_delay_s: float = 0.0


class FaultInjector:
    """Rolls the dice for each call; ``on_fault`` is told about every fault injected."""

    def __init__(self, settings: FaultSettings, on_fault: Callable[[], None] = lambda: None) -> None:
        self._settings = settings
        self._on_fault = on_fault
        self._random = random.Random(settings.seed)

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def update(self, changes: Mapping[str, Any]) -> FaultSettings:
        """Apply a partial update atomically: either every change is valid or none is applied."""
        unknown = sorted(set(changes) - set(FaultSettings.model_fields))
        if unknown:
            raise FaultSettingsError([{"field": key, "message": "unknown fault setting"} for key in unknown])
        try:
            updated = FaultSettings.model_validate({**self._settings.model_dump(), **changes})
        except ValidationError as exc:
            raise FaultSettingsError(
                [{"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors()]
            ) from exc
        self._settings = updated
        if "seed" in changes:
            self._random.seed(updated.seed)
        return updated

    def _roll(self, rate: float) -> bool:
        if rate <= 0.0:
            return False
        hit = self._random.random() < rate
        if hit:
            self._on_fault()
        return hit

    def api_delay_s(self) -> float:
        """Extra latency for one product call (0 when this call is not slowed)."""
        return self._settings.api_slow_s if self._roll(self._settings.api_slow_rate) else 0.0

    def api_error_status(self) -> int | None:
        """The status to answer one product call with before processing it, or None."""
        if not self._roll(self._settings.api_error_rate):
            return None
        return self._random.choice(self._settings.api_error_statuses)

    def lose_response(self) -> bool:
        """Whether an accepted creation POST should be answered as if its response was lost."""
        return self._roll(self._settings.lost_response_rate)

    def callback_plan(self) -> CallbackPlan:
        settings = self._settings
        if self._roll(settings.callback_drop_rate):
            return CallbackPlan(drop=True)
        duplicate = self._roll(settings.callback_duplicate_rate)
        delay = settings.callback_delay_s if self._roll(settings.callback_delay_rate) else 0.0
        return CallbackPlan(duplicate=duplicate, extra_delay_s=delay)
