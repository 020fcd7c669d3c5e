"""One JSON log pipeline for every process.

structlog renders both its own events and stdlib records (Temporal's
``workflow.logger`` and ``activity.logger`` are stdlib loggers), so workflow
lines, activity lines and HTTP-service lines come out in the same JSON shape,
all passed through the masking processor.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog
import temporalio.activity
import temporalio.workflow

from momoflow.masking import mask_event


def _flatten_temporal(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Lift the ids Temporal attaches to log records to top-level fields."""
    for key in ("temporal_workflow", "temporal_activity"):
        info = event.pop(key, None)
        if isinstance(info, dict):
            for field in ("workflow_id", "workflow_type", "activity_type", "attempt"):
                if field in info and field not in event:
                    event[field] = info[field]
    return event


def configure_logging(service: str, level: str | None = None) -> None:
    """Route structlog and stdlib logging to JSON lines on stderr."""
    level_name = (level or os.environ.get("LOG_LEVEL", "INFO")).upper()

    def add_service(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
        # Workflow code logs from other threads, where context variables do not follow.
        event.setdefault("service", service)
        return event

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_service,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        _flatten_temporal,
        mask_event,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level_name)
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Temporal's loggers would append their info dict to the message; the ids are fields already.
    temporalio.workflow.logger.workflow_info_on_message = False
    temporalio.activity.logger.activity_info_on_message = False


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
